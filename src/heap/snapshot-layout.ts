import { HeapSnapshotError } from './snapshot-error.js';

/**
 * The field layout a snapshot declares in `snapshot.meta`. Engines differ (Node 20 has
 * 7 node fields with `detachedness`, older V8 5 or 6, other producers reorder them), so
 * every offset and type code is looked up by name here and never hard-coded.
 */

export interface SnapshotMeta {
  node_fields: string[];
  node_types: unknown[];
  edge_fields: string[];
  edge_types: unknown[];
  [key: string]: unknown;
}

export interface SnapshotHeader {
  meta: SnapshotMeta;
  node_count?: number;
  edge_count?: number;
  root_index?: number;
  [key: string]: unknown;
}

/** What each node field is used for; fields we do not need are skipped while parsing. */
export const NodeField = { Skip: 0, Type: 1, Name: 2, Id: 3, SelfSize: 4, EdgeCount: 5, Detachedness: 6 } as const;
export const EdgeField = { Skip: 0, Type: 1, NameOrIndex: 2, ToNode: 3 } as const;

export interface SnapshotLayout {
  nodeFieldCount: number;
  edgeFieldCount: number;
  /** Role of each node field, in file order (NodeField values). */
  nodeFieldRoles: Uint8Array;
  edgeFieldRoles: Uint8Array;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  hasDetachedness: boolean;
  /** Declared counts (absent in some producers' files: then the arrays grow as read). */
  declaredNodeCount: number | undefined;
  declaredEdgeCount: number | undefined;
  rootNodeOrdinal: number;
}

export function layoutFromHeader(header: unknown): SnapshotLayout {
  if (typeof header !== 'object' || header === null) {
    throw new HeapSnapshotError('not a heap snapshot ("snapshot" is not an object)');
  }
  const h = header as Partial<SnapshotHeader>;
  const meta = h.meta;
  if (typeof meta !== 'object' || meta === null) {
    throw new HeapSnapshotError('not a heap snapshot (no "snapshot.meta" describing the fields)');
  }
  const nodeFields = stringList(meta.node_fields, 'snapshot.meta.node_fields');
  const edgeFields = stringList(meta.edge_fields, 'snapshot.meta.edge_fields');
  const nodeTypeNames = typeEnum(meta.node_types, nodeFields, 'node_types');
  const edgeTypeNames = typeEnum(meta.edge_types, edgeFields, 'edge_types');

  const nodeRoleByName: Record<string, number> = {
    type: NodeField.Type,
    name: NodeField.Name,
    id: NodeField.Id,
    self_size: NodeField.SelfSize,
    edge_count: NodeField.EdgeCount,
    detachedness: NodeField.Detachedness,
  };
  const edgeRoleByName: Record<string, number> = {
    type: EdgeField.Type,
    name_or_index: EdgeField.NameOrIndex,
    to_node: EdgeField.ToNode,
  };
  const nodeFieldRoles = Uint8Array.from(nodeFields, (f) => nodeRoleByName[f] ?? NodeField.Skip);
  const edgeFieldRoles = Uint8Array.from(edgeFields, (f) => edgeRoleByName[f] ?? EdgeField.Skip);
  for (const required of ['type', 'name', 'id', 'self_size', 'edge_count']) {
    if (!nodeFields.includes(required)) throw new HeapSnapshotError(`unsupported heap snapshot: node field "${required}" is missing from snapshot.meta`);
  }
  for (const required of ['type', 'name_or_index', 'to_node']) {
    if (!edgeFields.includes(required)) throw new HeapSnapshotError(`unsupported heap snapshot: edge field "${required}" is missing from snapshot.meta`);
  }
  if (nodeTypeNames.length > 255 || edgeTypeNames.length > 255) {
    throw new HeapSnapshotError('unsupported heap snapshot: more than 255 node or edge types');
  }
  return {
    nodeFieldCount: nodeFields.length,
    edgeFieldCount: edgeFields.length,
    nodeFieldRoles,
    edgeFieldRoles,
    nodeTypeNames,
    edgeTypeNames,
    hasDetachedness: nodeFields.includes('detachedness'),
    declaredNodeCount: count(h.node_count, 'node_count'),
    declaredEdgeCount: count(h.edge_count, 'edge_count'),
    rootNodeOrdinal: rootOrdinal(h.root_index, nodeFields.length),
  };
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) {
    throw new HeapSnapshotError(`not a heap snapshot (${what} is not a list of field names)`);
  }
  return v as string[];
}

/** `node_types[i]` is the list of names for field `type`; other entries are scalar kinds. */
function typeEnum(types: unknown, fields: string[], what: string): string[] {
  const at = fields.indexOf('type');
  const list = Array.isArray(types) ? types[at] : undefined;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    throw new HeapSnapshotError(`not a heap snapshot (snapshot.meta.${what} has no list of type names)`);
  }
  return list as string[];
}

function count(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new HeapSnapshotError(`malformed heap snapshot: snapshot.${what} is ${JSON.stringify(v)}`);
  }
  return v;
}

function rootOrdinal(rootIndex: unknown, nodeFieldCount: number): number {
  if (rootIndex === undefined) return 0;
  if (typeof rootIndex !== 'number' || !Number.isSafeInteger(rootIndex) || rootIndex < 0 || rootIndex % nodeFieldCount !== 0) {
    throw new HeapSnapshotError(`malformed heap snapshot: snapshot.root_index is ${JSON.stringify(rootIndex)}`);
  }
  return rootIndex / nodeFieldCount;
}
