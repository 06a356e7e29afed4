// Every GC of the isolate — kind, flags, start, pause, heap used before and after —
// written by V8's GC prologue/epilogue callbacks into a ring of doubles the agent owns (a
// Float64Array), so recording allocates nothing on the JS heap and reading it neither.
//
// Why not PerformanceObserver('gc') + v8.GCProfiler, which give the same figures:
//  - the observer makes a JS entry object and a setImmediate per GC. On a program that
//    scavenges every half millisecond those survive into the next scavenge and V8 sizes
//    the young generation differently: 816 scavenges instead of 1189 for the same work.
//    A profiler must not change what it measures.
//  - GCProfiler.stop() (Node 20) does not unregister its callbacks. A stopped profiler
//    keeps formatting ~3 KB of JSON per GC until a mark-compact collects its wrapper, so
//    rotating one every sampling tick piles up zombies between major GCs.
// Both remain the agent's fallback when this addon is not built.
//
// Records follow GCProfiler's rules: a prologue while another GC is open is ignored; an
// epilogue closes the open record only when its type matches. (V8's --trace-gc prints
// one line per such record; the tests count them against it.) Start and pause come from
// uv_hrtime(), the clock behind performance.now(), as Node's own GC entries do.
//
// Ring layout (doubles): [0] records committed so far (monotonic), [1] capacity C,
// then C records of 7: gc type (V8 GCType bit), callback flags (epilogue), start (uv_hrtime
// ns), pause (ns), used before, used after, total after.
// Callbacks and JS run on the isolate's thread, never at the same time: no atomics.
#include <node.h>
#include <uv.h>
#include <v8-profiler.h>
#include <v8.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr int kHeader = 2;
constexpr int kFields = 7;

struct Hooks {
  v8::Global<v8::Float64Array> ring_handle;  // keeps the ring alive while installed
  std::shared_ptr<v8::BackingStore> store;
  double* ring = nullptr;
  uint64_t capacity = 0;
  uint64_t committed = 0;
  int open_type = 0;  // 0: no GC open
  uint64_t start_ns = 0;
  double used_before = 0;
  bool installed = false;
};

// One agent per isolate, and Node runs each isolate (the main thread's, each worker
// thread's) on a thread of its own: thread-local state is per-isolate state. (Were two
// isolates ever run on one thread, this would need a map keyed on the isolate.)
thread_local Hooks* hooks = nullptr;
// The cleanup hook is registered once per isolate: Node aborts on a second registration
// of the same (function, argument), which a second load of the addon in the same thread
// (its require cache cleared) would otherwise make.
thread_local bool cleanup_registered = false;

void HarvestIfSampling(v8::Isolate* isolate);

void Before(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags, void* data) {
  Hooks* h = static_cast<Hooks*>(data);
  // Before the GC's start is read: the pause figures leave the sampler's work out.
  HarvestIfSampling(isolate);
  if (h->open_type != 0) return;
  v8::HeapStatistics s;
  isolate->GetHeapStatistics(&s);
  h->open_type = static_cast<int>(type);
  h->used_before = static_cast<double>(s.used_heap_size());
  // Last, so the pause does not include memkit's own bookkeeping.
  h->start_ns = uv_hrtime();
}

void After(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  // First, so the pause does not include memkit's own bookkeeping.
  uint64_t end_ns = uv_hrtime();
  Hooks* h = static_cast<Hooks*>(data);
  if (h->open_type != static_cast<int>(type)) return;
  h->open_type = 0;
  v8::HeapStatistics s;
  isolate->GetHeapStatistics(&s);
  double* rec = h->ring + kHeader + (h->committed % h->capacity) * kFields;
  rec[0] = static_cast<double>(type);
  rec[1] = static_cast<double>(flags);
  rec[2] = static_cast<double>(h->start_ns);
  rec[3] = static_cast<double>(end_ns - h->start_ns);
  rec[4] = h->used_before;
  rec[5] = static_cast<double>(s.used_heap_size());
  rec[6] = static_cast<double>(s.total_heap_size());
  h->committed++;
  h->ring[0] = static_cast<double>(h->committed);
}

void Uninstall(v8::Isolate* isolate) {
  if (hooks == nullptr || !hooks->installed) return;
  isolate->RemoveGCPrologueCallback(Before, hooks);
  isolate->RemoveGCEpilogueCallback(After, hooks);
  hooks->installed = false;
  hooks->ring_handle.Reset();
  hooks->store.reset();
  hooks->ring = nullptr;
}

// install(ring: Float64Array): starts recording into ring (replacing any earlier ring).
void Install(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (args.Length() < 1 || !args[0]->IsFloat64Array()) {
    isolate->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8Literal(isolate, "install(ring): ring must be a Float64Array")));
    return;
  }
  v8::Local<v8::Float64Array> arr = args[0].As<v8::Float64Array>();
  size_t length = arr->Length();
  if (length < kHeader + kFields) {
    isolate->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(isolate, "install(ring): ring too small")));
    return;
  }
  Uninstall(isolate);
  if (hooks == nullptr) hooks = new Hooks();
  hooks->ring_handle.Reset(isolate, arr);
  hooks->store = arr->Buffer()->GetBackingStore();
  hooks->ring = reinterpret_cast<double*>(static_cast<char*>(hooks->store->Data()) + arr->ByteOffset());
  hooks->capacity = (length - kHeader) / kFields;
  hooks->committed = 0;
  hooks->open_type = 0;
  hooks->ring[0] = 0;
  hooks->ring[1] = static_cast<double>(hooks->capacity);
  isolate->AddGCPrologueCallback(Before, hooks);
  isolate->AddGCEpilogueCallback(After, hooks);
  hooks->installed = true;
}

void UninstallJs(const v8::FunctionCallbackInfo<v8::Value>& args) { Uninstall(args.GetIsolate()); }

// isolateAddress(): the isolate as "%p" prints it, which is how V8 names it in the
// "[pid:0x…]" prefix of every --trace-gc line: it joins an agent to its isolate's lines.
void IsolateAddress(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  char text[32];
  std::snprintf(text, sizeof text, "%p", static_cast<void*>(isolate));
  args.GetReturnValue().Set(v8::String::NewFromUtf8(isolate, text).ToLocalChecked());
}

// ---- Allocation sampling (--alloc-sites) -------------------------------------------------
// V8's sampling heap profiler keeps a sample only while its object lives (no flags): what
// is alive is there at any time, the in-use view. What was allocated and died is gone after
// the GC that collected it, so every GC's prologue harvests the samples taken since the
// previous GC (sample ids only grow) into a tally per stack: the allocated view. Both views
// from one sampler, in the same run. (node:inspector's sampler keeps one view per run: it
// either keeps every sample for good, or only live ones.)
//
// V8 prunes a profile node once its samples are dead, so stacks are kept here: a trie of
// (parent, frame) with frames interned by name, script and position, joined to V8's node
// ids as they appear (V8 never reuses an id). Its strings are copied once, when first seen.
// Reads return what is new in the tables since the previous read, plus the values.

struct AllocFrame {
  int name, url, line, col, script;
};

struct AllocState {
  bool on = false;
  bool own_callback = false;  // harvesting from a prologue of its own (no GC ring installed)
  uint64_t watermark = 0;
  std::vector<std::string> strings;
  std::unordered_map<std::string, int> string_index;
  size_t strings_sent = 0;
  std::vector<AllocFrame> frames;
  std::unordered_map<std::string, int> frame_index;
  size_t frames_sent = 0;
  std::vector<int> parent{-1};
  std::vector<int> frame{-1};
  size_t nodes_sent = 1;
  std::unordered_map<uint64_t, int> child_index;
  std::unordered_map<uint32_t, int> of_v8;
  std::vector<double> bytes{0};
  std::vector<double> objects{0};
  uint64_t harvests = 0;
  uint64_t harvest_ns = 0;
};
thread_local AllocState* alloc = nullptr;

int InternString(AllocState* a, const std::string& s) {
  auto it = a->string_index.find(s);
  if (it != a->string_index.end()) return it->second;
  int i = static_cast<int>(a->strings.size());
  a->strings.push_back(s);
  a->string_index.emplace(s, i);
  return i;
}

std::string Utf8(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (s.IsEmpty()) return std::string();
  v8::String::Utf8Value v(isolate, s);
  return *v ? std::string(*v, v.length()) : std::string();
}

int InternFrame(v8::Isolate* isolate, AllocState* a, const v8::AllocationProfile::Node* n) {
  std::string name = Utf8(isolate, n->name);
  std::string url = Utf8(isolate, n->script_name);
  // V8's positions are 1-based, 0 for none; the inspector's (and the record's) 0-based.
  int line = n->line_number - 1;
  int col = n->column_number - 1;
  std::string key = name + '\0' + url + '\0' + std::to_string(line) + ':' + std::to_string(col) + ':' + std::to_string(n->script_id);
  auto it = a->frame_index.find(key);
  if (it != a->frame_index.end()) return it->second;
  int i = static_cast<int>(a->frames.size());
  a->frames.push_back({InternString(a, name), InternString(a, url), line, col, n->script_id});
  a->frame_index.emplace(key, i);
  return i;
}

int Child(AllocState* a, int at, int f) {
  uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(at)) << 32) | static_cast<uint32_t>(f);
  auto it = a->child_index.find(key);
  if (it != a->child_index.end()) return it->second;
  int node = static_cast<int>(a->parent.size());
  a->parent.push_back(at);
  a->frame.push_back(f);
  a->bytes.push_back(0);
  a->objects.push_back(0);
  a->child_index.emplace(key, node);
  return node;
}

// Joins every V8 node not yet known to the trie (parents before children).
void MapNodes(v8::Isolate* isolate, AllocState* a, v8::AllocationProfile::Node* root) {
  a->of_v8[root->node_id] = 0;
  std::vector<std::pair<v8::AllocationProfile::Node*, int>> pending;
  for (auto* c : root->children) pending.emplace_back(c, 0);
  while (!pending.empty()) {
    auto [n, p] = pending.back();
    pending.pop_back();
    int ours;
    auto it = a->of_v8.find(n->node_id);
    if (it != a->of_v8.end()) {
      ours = it->second;
    } else {
      ours = Child(a, p, InternFrame(isolate, a, n));
      a->of_v8.emplace(n->node_id, ours);
    }
    for (auto* c : n->children) pending.emplace_back(c, ours);
  }
}

bool KnowsAll(const AllocState* a, const std::vector<v8::AllocationProfile::Sample>& samples) {
  for (const auto& s : samples)
    if (s.sample_id > a->watermark && a->of_v8.find(s.node_id) == a->of_v8.end()) return false;
  return true;
}

// Adds the samples taken since the last harvest to the allocated tally. With `inuse`, also
// returns every live sample's node and values (node, bytes, objects triples).
void Harvest(v8::Isolate* isolate, AllocState* a, std::vector<double>* inuse) {
  uint64_t t0 = uv_hrtime();
  v8::HandleScope scope(isolate);
  std::unique_ptr<v8::AllocationProfile> profile(isolate->GetHeapProfiler()->GetAllocationProfile());
  if (!profile) return;
  const auto& samples = profile->GetSamples();
  if (inuse != nullptr || !KnowsAll(a, samples)) MapNodes(isolate, a, profile->GetRootNode());
  uint64_t high = a->watermark;
  std::unordered_map<int, std::pair<double, double>> live;
  for (const auto& s : samples) {
    auto it = a->of_v8.find(s.node_id);
    if (it == a->of_v8.end()) continue;  // cannot happen after MapNodes; never index blindly
    double b = static_cast<double>(s.size) * s.count;
    if (s.sample_id > a->watermark) {
      a->bytes[it->second] += b;
      a->objects[it->second] += s.count;
      if (s.sample_id > high) high = s.sample_id;
    }
    if (inuse != nullptr) {
      auto& v = live[it->second];
      v.first += b;
      v.second += s.count;
    }
  }
  a->watermark = high;
  if (inuse != nullptr) {
    for (const auto& [node, v] : live) {
      inuse->push_back(node);
      inuse->push_back(v.first);
      inuse->push_back(v.second);
    }
  }
  a->harvests++;
  a->harvest_ns += uv_hrtime() - t0;
}

void HarvestIfSampling(v8::Isolate* isolate) {
  if (alloc != nullptr && alloc->on) Harvest(isolate, alloc, nullptr);
}

void AllocBefore(v8::Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void*) { HarvestIfSampling(isolate); }

void StopAllocSampling(v8::Isolate* isolate) {
  if (alloc == nullptr) return;
  if (alloc->on) isolate->GetHeapProfiler()->StopSamplingHeapProfiler();
  if (alloc->own_callback) isolate->RemoveGCPrologueCallback(AllocBefore, nullptr);
  delete alloc;
  alloc = nullptr;
}

// allocStart(intervalBytes, stackDepth): starts V8's sampler on this isolate (no flags: live
// samples only) and the harvest at each GC. Returns false if a sampler was running already
// (V8 has one per isolate: the user's own, or an inspector's).
void AllocStart(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (args.Length() < 2 || !args[0]->IsNumber() || !args[1]->IsNumber()) {
    isolate->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8Literal(isolate, "allocStart(intervalBytes, stackDepth): numbers expected")));
    return;
  }
  StopAllocSampling(isolate);
  uint64_t interval = static_cast<uint64_t>(args[0].As<v8::Number>()->Value());
  int depth = static_cast<int>(args[1].As<v8::Number>()->Value());
  bool started = isolate->GetHeapProfiler()->StartSamplingHeapProfiler(interval, depth, v8::HeapProfiler::kSamplingNoFlags);
  if (!started) {
    args.GetReturnValue().Set(false);
    return;
  }
  alloc = new AllocState();
  alloc->on = true;
  // Where the GC ring is installed, its prologue harvests first (so GC pauses leave the
  // harvest out); otherwise one of its own.
  if (hooks == nullptr || !hooks->installed) {
    isolate->AddGCPrologueCallback(AllocBefore, nullptr);
    alloc->own_callback = true;
  }
  args.GetReturnValue().Set(true);
}

v8::Local<v8::Float64Array> Doubles(v8::Isolate* isolate, const double* data, size_t n) {
  auto buffer = v8::ArrayBuffer::New(isolate, n * sizeof(double));
  if (n > 0) std::memcpy(buffer->GetBackingStore()->Data(), data, n * sizeof(double));
  return v8::Float64Array::New(buffer, 0, n);
}

// allocRead(inuse): a harvest now, then what is new since the previous read:
// { strings: string[], frames: Float64Array (name, url, line, col, script per frame),
//   nodes: Float64Array (parent, frame per node), allocated: Float64Array (node, bytes,
//   objects per node allocated since the previous read), inuse?: same for what is alive,
//   harvests, harvestMs (since start) }. Undefined when not sampling.
void AllocRead(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (alloc == nullptr || !alloc->on) return;
  AllocState* a = alloc;
  bool want_inuse = args.Length() > 0 && args[0]->IsTrue();
  std::vector<double> inuse;
  Harvest(isolate, a, want_inuse ? &inuse : nullptr);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> out = v8::Object::New(isolate);
  auto set = [&](const char* key, v8::Local<v8::Value> value) {
    out->Set(context, v8::String::NewFromUtf8(isolate, key).ToLocalChecked(), value).Check();
  };
  v8::Local<v8::Array> strings = v8::Array::New(isolate, static_cast<int>(a->strings.size() - a->strings_sent));
  for (size_t i = a->strings_sent; i < a->strings.size(); i++) {
    const std::string& s = a->strings[i];
    strings->Set(context, static_cast<uint32_t>(i - a->strings_sent),
                 v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal, static_cast<int>(s.size())).ToLocalChecked()).Check();
  }
  a->strings_sent = a->strings.size();
  set("strings", strings);
  std::vector<double> frames;
  for (size_t i = a->frames_sent; i < a->frames.size(); i++) {
    const AllocFrame& f = a->frames[i];
    frames.insert(frames.end(), {double(f.name), double(f.url), double(f.line), double(f.col), double(f.script)});
  }
  a->frames_sent = a->frames.size();
  set("frames", Doubles(isolate, frames.data(), frames.size()));
  std::vector<double> nodes;
  for (size_t i = a->nodes_sent; i < a->parent.size(); i++) {
    nodes.push_back(a->parent[i]);
    nodes.push_back(a->frame[i]);
  }
  a->nodes_sent = a->parent.size();
  set("nodes", Doubles(isolate, nodes.data(), nodes.size()));
  std::vector<double> allocated;
  for (size_t i = 0; i < a->bytes.size(); i++) {
    if (a->bytes[i] == 0 && a->objects[i] == 0) continue;
    allocated.insert(allocated.end(), {double(i), a->bytes[i], a->objects[i]});
    a->bytes[i] = 0;
    a->objects[i] = 0;
  }
  set("allocated", Doubles(isolate, allocated.data(), allocated.size()));
  if (want_inuse) set("inuse", Doubles(isolate, inuse.data(), inuse.size()));
  set("harvests", v8::Number::New(isolate, static_cast<double>(a->harvests)));
  set("harvestMs", v8::Number::New(isolate, static_cast<double>(a->harvest_ns) / 1e6));
  args.GetReturnValue().Set(out);
}

void AllocStop(const v8::FunctionCallbackInfo<v8::Value>& args) { StopAllocSampling(args.GetIsolate()); }

// ---- Near the heap limit ---------------------------------------------------------------
// V8 calls the NearHeapLimitCallback when its heap is about to hit the limit, after its
// last-resort GCs; returning a higher limit lets the isolate go on. Nothing of JavaScript
// can run there, and right after it the process usually aborts ("JavaScript heap out of
// memory"), so the evidence is written from here: one JSON line straight to the agent's
// socket (its fd, handed over by the agent), and, when the heap is small enough, a heap
// snapshot to a path memkit gave beforehand (as Node's --heapsnapshot-near-heap-limit does,
// from the same callback). The limit is raised once, by kRaiseBytes, so the program lives a
// few more MB: long enough for the agent's next tick to send its last batches, not so long
// that a leak is kept alive (the second call returns the limit unchanged and V8 gives up).

constexpr size_t kRaiseBytes = 16u << 20;

struct NearLimit {
  v8::Isolate* isolate = nullptr;
  int fd = -1;
  // The socket as it was when handed over: the fd number is checked to still name it before
  // each write (a closed connection's number may be reused by a file of the program's).
  dev_t dev = 0;
  ino_t ino = 0;
  bool fired = false;
  bool in_snapshot = false;
  std::string snapshot_path;
  size_t snapshot_max_heap = 0;
};
thread_local NearLimit* near_limit = nullptr;

class FdStream : public v8::OutputStream {
 public:
  explicit FdStream(int fd) : fd_(fd) {}
  void EndOfStream() override {}
  int GetChunkSize() override { return 1 << 16; }
  WriteResult WriteAsciiChunk(char* data, int size) override {
    int off = 0;
    while (off < size) {
      ssize_t n = write(fd_, data + off, static_cast<size_t>(size - off));
      if (n < 0) {
        if (errno == EINTR) continue;
        failed = true;
        return kAbort;
      }
      off += static_cast<int>(n);
    }
    bytes += static_cast<size_t>(size);
    return kContinue;
  }
  size_t bytes = 0;
  bool failed = false;

 private:
  int fd_;
};

// The snapshot, to path (a temp name, renamed when complete, as the agent's writer does).
// Returns its size, 0 when it could not be written.
size_t WriteSnapshot(v8::Isolate* isolate, const std::string& path) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  const v8::HeapSnapshot* snap = isolate->GetHeapProfiler()->TakeHeapSnapshot();
  FdStream stream(fd);
  if (snap != nullptr) {
    snap->Serialize(&stream, v8::HeapSnapshot::kJSON);
    const_cast<v8::HeapSnapshot*>(snap)->Delete();
  }
  bool ok = snap != nullptr && !stream.failed && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return 0;
  }
  return stream.bytes;
}

bool SameSocket(const NearLimit* n) {
  struct stat st;
  return n->fd >= 0 && fstat(n->fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == n->dev && st.st_ino == n->ino;
}

// One line to the socket. It starts with a newline: should libuv be half-way through one
// of the agent's own lines (the rest still queued), that line is cut (the parent drops it
// as not JSON) rather than this one. A full socket buffer is waited on briefly, as the
// agent's sendSync does: the parent is another process and keeps reading.
void WriteLine(int fd, const std::string& line) {
  size_t off = 0;
  for (int tries = 0; off < line.size() && tries < 200;) {
    ssize_t n = write(fd, line.data() + off, line.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct timespec ts = {0, 2 * 1000 * 1000};
      nanosleep(&ts, nullptr);
      tries++;
    } else {
      return;
    }
  }
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

size_t NearHeapLimit(void* data, size_t current_limit, size_t initial_limit) {
  NearLimit* n = static_cast<NearLimit*>(data);
  // The snapshot's own full GCs find the heap as full as it was: they get room, or V8
  // would give up inside the snapshot. Bounded: the snapshot allocates little on the heap.
  if (n->in_snapshot) return current_limit + kRaiseBytes;
  if (n->fired) return current_limit;  // once: the raise was its last chance
  n->fired = true;
  v8::Isolate* isolate = n->isolate;
  v8::HeapStatistics hs;
  isolate->GetHeapStatistics(&hs);
  size_t used = hs.used_heap_size();
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  double t_ms = static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;

  std::string spaces;
  for (size_t i = 0; i < isolate->NumberOfHeapSpaces(); i++) {
    v8::HeapSpaceStatistics ss;
    if (!isolate->GetHeapSpaceStatistics(&ss, i) || ss.space_used_size() == 0) continue;
    if (!spaces.empty()) spaces += ',';
    spaces += JsonString(ss.space_name()) + ":" + std::to_string(ss.space_used_size());
  }

  // The record goes first: should the snapshot below fail (it needs memory too), the
  // figures are out already.
  bool snapshot = !n->snapshot_path.empty() && used <= n->snapshot_max_heap &&
                  uv_get_free_memory() > 2 * static_cast<uint64_t>(used);
  size_t raised = current_limit + kRaiseBytes;
  char head[512];
  std::snprintf(head, sizeof head,
                "\n{\"type\":\"near-heap-limit\",\"pid\":%d,\"tMs\":%.3f,\"limitBytes\":%zu,\"initialLimitBytes\":%zu,"
                "\"usedHeapBytes\":%zu,\"raisedLimitBytes\":%zu,\"spaces\":{",
                static_cast<int>(getpid()), t_ms, current_limit, initial_limit, used, raised);
  std::string tail = "}";
  if (snapshot) tail += ",\"snapshotPath\":" + JsonString(n->snapshot_path);
  bool connected = SameSocket(n);
  if (connected) WriteLine(n->fd, std::string(head) + spaces + tail + "}\n");

  // The snapshot needs V8's graph of the heap (outside the heap) plus the time to write
  // it: only for heaps up to snapshot_max_heap, and only with twice the heap free. Its
  // end is told as any snapshot's is: heap-snapshot-done (bytes 0: not written).
  if (snapshot) {
    uint64_t started = uv_hrtime();
    n->in_snapshot = true;
    size_t bytes = WriteSnapshot(isolate, n->snapshot_path);
    n->in_snapshot = false;
    char done[128];
    std::snprintf(done, sizeof done, ",\"bytes\":%zu,\"durationMs\":%.3f%s}\n", bytes,
                  static_cast<double>(uv_hrtime() - started) / 1e6, bytes > 0 ? "" : ",\"error\":\"not written\"");
    if (SameSocket(n)) WriteLine(n->fd, "\n{\"type\":\"heap-snapshot-done\",\"path\":" + JsonString(n->snapshot_path) + done);
  }
  return raised;
}

// armNearHeapLimit(fd, snapshotPath?, snapshotMaxHeapBytes?): write the near-heap-limit
// record to fd (the agent's connected socket) when V8 calls, once per isolate.
void ArmNearHeapLimit(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (args.Length() < 1 || !args[0]->IsInt32()) {
    isolate->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8Literal(isolate, "armNearHeapLimit(fd, path?, maxHeapBytes?): fd must be an integer")));
    return;
  }
  int fd = args[0].As<v8::Int32>()->Value();
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    isolate->ThrowException(v8::Exception::Error(
        v8::String::NewFromUtf8Literal(isolate, "armNearHeapLimit: fd is not a socket")));
    return;
  }
  bool first = near_limit == nullptr;
  if (first) near_limit = new NearLimit();
  near_limit->isolate = isolate;
  near_limit->fd = fd;
  near_limit->dev = st.st_dev;
  near_limit->ino = st.st_ino;
  if (args.Length() >= 3 && args[1]->IsString() && args[2]->IsNumber()) {
    v8::String::Utf8Value path(isolate, args[1]);
    near_limit->snapshot_path = *path ? *path : "";
    near_limit->snapshot_max_heap = static_cast<size_t>(args[2].As<v8::Number>()->Value());
  }
  if (first) isolate->AddNearHeapLimitCallback(NearHeapLimit, near_limit);
}

void DisarmNearHeapLimit(v8::Isolate* isolate) {
  if (near_limit == nullptr) return;
  isolate->RemoveNearHeapLimitCallback(NearHeapLimit, 0);
  delete near_limit;
  near_limit = nullptr;
}

// At the isolate's teardown (process exit, or a worker thread's end): a worker thread's
// Hooks would otherwise outlive it, one per worker a pool ever started.
void Cleanup(void* arg) {
  StopAllocSampling(static_cast<v8::Isolate*>(arg));
  Uninstall(static_cast<v8::Isolate*>(arg));
  DisarmNearHeapLimit(static_cast<v8::Isolate*>(arg));
  delete hooks;
  hooks = nullptr;
  cleanup_registered = false;
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  v8::Isolate* isolate = context->GetIsolate();
  NODE_SET_METHOD(exports, "install", Install);
  NODE_SET_METHOD(exports, "uninstall", UninstallJs);
  NODE_SET_METHOD(exports, "isolateAddress", IsolateAddress);
  NODE_SET_METHOD(exports, "armNearHeapLimit", ArmNearHeapLimit);
  NODE_SET_METHOD(exports, "allocStart", AllocStart);
  NODE_SET_METHOD(exports, "allocRead", AllocRead);
  NODE_SET_METHOD(exports, "allocStop", AllocStop);
  if (!cleanup_registered) {
    node::AddEnvironmentCleanupHook(isolate, Cleanup, isolate);
    cleanup_registered = true;
  }
}
