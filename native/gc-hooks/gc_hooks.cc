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
#include <v8.h>

#include <cstdint>
#include <cstdio>
#include <memory>

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

// At the isolate's teardown (process exit, or a worker thread's end): a worker thread's
// Hooks would otherwise outlive it, one per worker a pool ever started.
void Cleanup(void* arg) {
  Uninstall(static_cast<v8::Isolate*>(arg));
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
  if (!cleanup_registered) {
    node::AddEnvironmentCleanupHook(isolate, Cleanup, isolate);
    cleanup_registered = true;
  }
}
