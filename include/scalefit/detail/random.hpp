/// @file random.hpp
/// The one pseudo-random toolkit of scalefit: SplitMix64 (Steele, Lea &
/// Flood 2014, "Fast splittable pseudorandom number generators"), per-stream
/// seeds for replicates, and exact uniform integers. Every generator here is
/// fully specified, so the same seed gives the same draws on any platform
/// and for any thread count (each replicate owns its stream).
#pragma once

#include <cstdint>
#include <limits>
#include <random>

#include "scalefit/error.hpp"

namespace scalefit::detail {

/// SplitMix64: state += 0x9E3779B97F4A7C15, output = Mix(state).
/// Seeded with a raw state (SplitMix64(0).Next() = 0xE220A8397B1DCDAF, the
/// reference value of Vigna's splitmix64.c) or with (seed, stream): the
/// generator of bootstrap replicate `stream` under `seed`.
class SplitMix64 {
 public:
  static constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

  /// The SplitMix64 output function (a 64-bit finaliser).
  static constexpr std::uint64_t Mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  explicit SplitMix64(std::uint64_t state) : state_(state) {}
  SplitMix64(std::uint64_t seed, std::uint64_t stream)
      : state_(Mix(seed) ^ Mix(stream * kGolden + kGolden)) {}

  /// The next 64 uniform bits.
  std::uint64_t Next() {
    state_ += kGolden;
    return Mix(state_);
  }

  /// Uniform integer in [0, n), n >= 1, by Lemire's multiply-shift: the high
  /// 64 bits of Next() · n (bias below n / 2^64), from 32-bit halves so that
  /// it needs no 128-bit integers.
  std::uint64_t Below(std::uint64_t n) {
    const std::uint64_t x = Next();
    const std::uint64_t x_lo = x & 0xFFFFFFFFULL, x_hi = x >> 32;
    const std::uint64_t n_lo = n & 0xFFFFFFFFULL, n_hi = n >> 32;
    const std::uint64_t lo_lo = x_lo * n_lo, hi_lo = x_hi * n_lo;
    const std::uint64_t lo_hi = x_lo * n_hi, hi_hi = x_hi * n_hi;
    const std::uint64_t mid =
        (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFULL) + (lo_hi & 0xFFFFFFFFULL);
    return hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (mid >> 32);
  }

 private:
  std::uint64_t state_;
};

/// The seed of replicate i's std::mt19937_64 in stream `stream`: SplitMix64
/// chained over (seed, stream, i), so each replicate has its own stream
/// whatever thread runs it.
inline std::uint64_t ReplicateSeed(std::uint64_t seed, std::uint64_t stream,
                                   std::uint64_t i) {
  const std::uint64_t h1 = SplitMix64(seed).Next();
  const std::uint64_t h2 =
      SplitMix64(h1 ^ (stream * 0xD1B54A32D192ED03ULL)).Next();
  SplitMix64 last(h2 ^ i);
  last.Next();
  return last.Next();
}

/// Uniform integer in [0, n) from a std::mt19937_64 by rejection (exact,
/// portable; std::uniform_int_distribution is implementation-defined).
/// Throws InvalidArgument for n = 0.
inline std::uint64_t UniformIndex(std::mt19937_64& gen, std::uint64_t n) {
  if (n == 0) throw InvalidArgument("UniformIndex: n must be > 0");
  // Largest multiple of n representable: reject draws at or above it.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
  for (;;) {
    const std::uint64_t v = gen();
    if (v < limit) return v % n;
  }
}

}  // namespace scalefit::detail
