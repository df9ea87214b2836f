// Rotary position embedding shared by the "rope" op and "kv_shift" (which re-rotates cached keys).
//   pair i (0 <= i < nRot/2) of a head is rotated by angle pos * freqScale * theta^(-2i/nRot) / ff[i],
//   where ff are optional per-pair frequency factors (Llama 3.1's rope_freqs.weight; as ggml's
//   rope freq_factors: the pair's angle is divided by its factor), 1 when absent;
//   mode 0 ("normal") pairs (x[2i], x[2i+1]); mode 1 ("neox") pairs (x[i], x[i + nRot/2]).
//   Dimensions >= nRot pass through unchanged.
#pragma once
#include <cstdint>
#include <string>
#include "core/op.h"

namespace ryzen {

struct RopeParams {
  int64_t n_head, head_dim, n_rot;
  int mode;  // 0 normal, 1 neox
  double theta, freq_scale;
  const float* freq_factors = nullptr;  // n_rot/2 divisors, or null
};

// Checks the parameters; returns "" or a message naming the bad one.
std::string check_rope_params(const RopeParams& p);

// Checks operand k as frequency factors for n_rot: f32, one row of at least n_rot/2 elements
// (ggml's rule; the first n_rot/2 are used), each finite and > 0. Values are checked here, so
// they must be in place when the op is validated (they are weights).
std::string check_freq_factors(const OpNode& node, size_t k, int64_t n_rot);

// freqs[i] = freqScale * theta^(-2i/nRot) for the n_rot/2 pairs (without the factors).
void rope_freqs(const RopeParams& p, double* freqs);

// cs[i] = cos, cs[n_rot/2 + i] = sin of pair i's angle pos * freqs[i] (/ freq_factors[i] when
// set), n_rot floats. Angles are computed in double so large positions keep full float accuracy.
void rope_angles(const RopeParams& p, const double* freqs, double pos, float* cs);

// Rotates nh consecutive heads of head_dim floats with the active ISA's kernel (out may equal x;
// dims past n_rot are copied).
void rope_heads(const RopeParams& p, const float* cs, const float* x, float* out, int64_t nh);

}  // namespace ryzen
