// Builds a heap of a chosen size out of varied, realistic structures (class instances,
// trees, linked lists, Maps, Sets, strings, closures, typed arrays) for the snapshot
// benchmarks. One unit ≈ 1.4 KB of .heapsnapshot file (210k units ≈ 300 MB) and
// ≈ 0.5 KB of V8 heap.

class Order { constructor(i, user) { this.id = i; this.user = user; this.items = []; this.total = 0; } }
class User { constructor(i) { this.name = `user-${i}`; this.email = `u${i}@example.com`; this.tags = new Set(); } }
class LineItem { constructor(sku, qty) { this.sku = sku; this.qty = qty; this.price = qty * 1.5; } }
class TreeNode { constructor(v) { this.value = v; this.left = null; this.right = null; } }
class ListNode { constructor(v, next) { this.v = v; this.next = next; } }

export function buildHeap(units) {
  const users = [];
  const orders = new Map();
  const index = {};
  const roots = [];
  let list = null;
  const callbacks = [];
  for (let i = 0; i < units; i++) {
    if (i % 10 === 0) users.push(new User(i));
    const u = users[users.length - 1];
    u.tags.add(`t${i % 97}`);
    const o = new Order(i, u);
    for (let k = 0; k < 3; k++) o.items.push(new LineItem(`sku-${(i * 7 + k) % 5003}`, k + 1));
    orders.set(`order-${i}`, o);
    if (i % 3 === 0) index[`k${i}`] = { order: o, at: i };
    list = new ListNode(i, list);
    if (i % 50 === 0) roots.push(new TreeNode(i));
    else {
      let n = roots[roots.length - 1];
      while (n.left && n.right) n = i & 1 ? n.left : n.right;
      if (!n.left) n.left = new TreeNode(i);
      else n.right = new TreeNode(i);
    }
    if (i % 20 === 0) {
      const captured = o;
      callbacks.push(() => captured.total);
    }
    if (i % 100 === 0) u.buffer = new Float64Array(16);
  }
  return { users, orders, index, roots, list, callbacks };
}
