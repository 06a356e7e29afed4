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

void Before(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags, void* data) {
  Hooks* h = static_cast<Hooks*>(data);
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
  if (!cleanup_registered) {
    node::AddEnvironmentCleanupHook(isolate, Cleanup, isolate);
    cleanup_registered = true;
  }
}
