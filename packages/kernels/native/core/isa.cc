// CPU feature detection (cpuid + xgetbv: a feature counts only if the OS saves its registers)
// and the active ISA path. Built without SIMD flags so it runs on any x86-64 CPU.
#include "isa.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define RYZEN_X86 1
#endif

namespace ryzen {

namespace {

#ifdef RYZEN_X86
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}

uint64_t xgetbv0() {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}
#endif

int logical_cpu_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned n = std::thread::hardware_concurrency();
  return n ? (int)n : 1;
}

// Distinct (package, core) pairs among the CPUs this process may run on.
int physical_core_count_sysfs() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  std::set<std::pair<int, int>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &set)) continue;
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core(base + "core_id"), pkg(base + "physical_package_id");
    int c = -1, p = -1;
    if (!(core >> c) || !(pkg >> p)) return 0;
    cores.insert({p, c});
  }
  return (int)cores.size();
}

CpuFeatures detect() {
  CpuFeatures f{};
  f.logical_cores = logical_cpu_count();
  f.physical_cores = physical_core_count_sysfs();
#ifdef RYZEN_X86
  Regs v = cpuid(0);
  char vendor[13] = {0};
  std::memcpy(vendor, &v.b, 4);
  std::memcpy(vendor + 4, &v.d, 4);
  std::memcpy(vendor + 8, &v.c, 4);
  f.vendor = vendor;
  const unsigned max_leaf = v.a;

  Regs ext = cpuid(0x80000000u);
  if (ext.a >= 0x80000004u) {
    char brand[49] = {0};
    for (unsigned i = 0; i < 3; i++) {
      Regs r = cpuid(0x80000002u + i);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    std::string s = brand;
    size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
    f.brand = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }

  Regs l1 = cpuid(1);
  const bool osxsave = l1.c & (1u << 27);
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;             // XMM + YMM state
  const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;  // opmask + ZMM_Hi256 + Hi16_ZMM

  f.sse42 = l1.c & (1u << 20);
  f.avx = os_avx && (l1.c & (1u << 28));
  f.fma = f.avx && (l1.c & (1u << 12));
  f.f16c = f.avx && (l1.c & (1u << 29));
  if (max_leaf >= 7) {
    Regs l7 = cpuid(7, 0);
    f.avx2 = f.avx && (l7.b & (1u << 5));
    f.avx512f = os_avx512 && (l7.b & (1u << 16));
    f.avx512dq = f.avx512f && (l7.b & (1u << 17));
    f.avx512bw = f.avx512f && (l7.b & (1u << 30));
    f.avx512vl = f.avx512f && (l7.b & (1u << 31));
    f.avx512vbmi = f.avx512f && (l7.c & (1u << 1));
    f.avx512vnni = f.avx512f && (l7.c & (1u << 11));
    if (l7.a >= 1) {
      Regs l71 = cpuid(7, 1);
      f.avxvnni = f.avx && (l71.a & (1u << 4));
      f.avx512bf16 = f.avx512f && (l71.a & (1u << 5));
    }
    f.amx_int8 = (l7.d & (1u << 24)) && (l7.d & (1u << 25));
  }
  if (f.physical_cores <= 0) {  // no sysfs: assume SMT pairs when the CPU reports HTT
    const bool htt = l1.d & (1u << 28);
    f.physical_cores = htt && f.logical_cores > 1 ? f.logical_cores / 2 : f.logical_cores;
  }
#endif
  if (f.physical_cores <= 0) f.physical_cores = f.logical_cores;
  if (f.physical_cores > f.logical_cores) f.physical_cores = f.logical_cores;
  return f;
}

// The avx512 library is compiled with every flag below, so the path needs all of them.
Isa detect_best(const CpuFeatures& f) {
  if (f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni &&
      f.avx512bf16 && f.avx512vbmi)
    return Isa::Avx512;
  if (f.avx2 && f.fma && f.f16c) return Isa::Avx2;
  return Isa::Scalar;
}

Isa clamp(Isa isa) { return (int)isa > (int)best_isa() ? best_isa() : isa; }

Isa initial_isa() {
  const char* env = std::getenv("RYZEN_ISA");
  Isa isa = best_isa();
  if (env && *env) {
    if (parse_isa(env, &isa))
      isa = clamp(isa);
    else
      std::fprintf(stderr, "ryzen: ignoring RYZEN_ISA=%s (expected scalar, avx2 or avx512)\n", env);
  }
  return isa;
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{(int)initial_isa()};
  return slot;
}

// Linux keeps AMX tile data (8 KB per thread) out of a process's state until it asks for it.
bool request_amx() {
#if defined(RYZEN_X86) && defined(__linux__) && defined(SYS_arch_prctl)
  const long kReqXcompPerm = 0x1023, kXfeatureTileData = 18;
  if (syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureTileData) != 0) return false;
  return (xgetbv0() & (3u << 17)) == (3u << 17);  // XTILECFG + XTILEDATA enabled in XCR0
#else
  return false;
#endif
}

bool detect_amx() {
  if (!cpu_features().amx_int8) return false;
  const char* env = std::getenv("RYZEN_AMX");
  if (env && *env) {
    if (!std::strcmp(env, "0")) return false;
    if (std::strcmp(env, "1")) std::fprintf(stderr, "ryzen: ignoring RYZEN_AMX=%s (expected 0 or 1)\n", env);
  }
  return request_amx();
}

}  // namespace

bool amx_ready() {
  static const bool ready = detect_amx();
  return ready;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

Isa best_isa() {
  static const Isa best = detect_best(cpu_features());
  return best;
}

Isa active_isa() { return (Isa)active_slot().load(std::memory_order_relaxed); }

void set_active_isa(Isa isa) { active_slot().store((int)clamp(isa), std::memory_order_relaxed); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "scalar";
}

bool parse_isa(const std::string& s, Isa* out) {
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (s == isa_name(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

}  // namespace ryzen
