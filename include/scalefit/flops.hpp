/// @file flops.hpp
/// Training compute (FLOPs) of dense decoder-only transformers under three
/// named conventions, plus the parameter counts and PF-day conversions they
/// need, and FlopModel: C(N, D) as the allocation analysis optimises under
/// it. Header-only (part of scalefit::laws). Full discussion, with worked
/// numbers: docs/flops.md.
///
///   6ND                C = k·N·D, k = 6            (Kaplan et al. 2020 §2.1)
///   kaplan             C = 6·N_ne·D + 6·n_layer·n_ctx·d_attn·D
///                                             (Kaplan et al. 2020, Eq. 2.2)
///   hoffmann_detailed  per-sequence matmul/softmax count
///                           (Hoffmann et al. 2022, Appendix F, Table A4)
///
/// Sources:
///   Kaplan et al. 2020, "Scaling Laws for Neural Language Models",
///     arXiv:2001.08361 — §2.1, Table 1, Eq. 2.1-2.2.
///   Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models",
///     arXiv:2203.15556 — Appendix F ("FLOPs computation"), Table A4.
///
/// Units: every FLOP count is a number of floating-point operations (one
/// multiply-add = 2 FLOPs), never a rate (FLOP/s). Parameters and tokens are
/// plain counts. 1 PF-day = 1e15 FLOP/s × 86400 s = 8.64e19 FLOPs.
///
/// Arithmetic: every integer field is converted to double before it enters a
/// product, so no count overflows `int` and every result is finite for any
/// architecture that passes Architecture::Validate().
///
/// WARNING: "N" is ambiguous. Kaplan's N excludes embeddings
/// (NonEmbeddingParams); Hoffmann's N counts all parameters (TotalParams).
/// At small scale the two differ by tens of percent (a 640-wide, 10-layer
/// model with a 32k vocabulary: 49.2M vs 69.6M), so C = 6ND changes by the
/// same factor depending on which N is passed. State which one you use.
/// WARNING: 6ND ignores attention over the context (the n_ctx terms). For
/// d_attn = d_model, d_ff = 4·d_model the omitted share, relative to 6N, is
/// n_ctx / (12·d_model) under Kaplan (causal mask halves it) and
/// n_ctx / (6·d_model) under Hoffmann: 2-4% at n_ctx 2048, d_model 8192, but
/// 67-133% at n_ctx 32768, d_model 4096. 6ND understates long-context runs.
/// WARNING: PF-days are petaflop/s-days (8.64e19 FLOPs), not petaFLOPs
/// (1e15 FLOPs); converting with the wrong one is off by 86400.
/// WARNING: the hoffmann_detailed total follows the Appendix F text and
/// includes the embedding and final-logit matmuls. The published Table A4
/// ratios (detailed / 6ND = 1.03 ... 0.99) are only reproduced WITHOUT those
/// two terms (forward − embeddings − final_logits); see docs/flops.md.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/detail/roots.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit::flops {

// ---------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------

/// FLOPs in one petaflop/s-day: 1e15 FLOP/s × 86400 s. Kaplan et al. 2020
/// (§1.1 notation, §2.1) quote compute C in PF-days.
inline constexpr double kFlopsPerPetaflopDay = 8.64e19;

/// FLOPs → PF-days (1 PF-day = 8.64e19 FLOPs). No validation: a unit change.
inline constexpr double FlopsToPetaflopDays(double flops) {
  return flops / kFlopsPerPetaflopDay;
}

/// PF-days → FLOPs (1 PF-day = 8.64e19 FLOPs). No validation: a unit change.
inline constexpr double PetaflopDaysToFlops(double petaflop_days) {
  return petaflop_days * kFlopsPerPetaflopDay;
}

// ---------------------------------------------------------------------------
// Architecture
// ---------------------------------------------------------------------------

namespace detail {

/// Largest int as a double, without <climits>: int and unsigned have the
/// same width, so unsigned(-1) >> 1 is INT_MAX.
inline constexpr double kIntMax =
    static_cast<double>(static_cast<unsigned>(-1) >> 1);

template <typename T>
[[noreturn]] inline void ThrowField(const char* field, const char* what,
                                    T got) {
  std::ostringstream os;
  os << "Architecture." << field << " " << what << " (got " << got << ")";
  throw InvalidArgument(os.str());
}

}  // namespace detail

/// Shape of a dense decoder-only transformer (Kaplan Table 1 / Hoffmann
/// Table A4 notation in brackets).
///
/// Aggregate-initialisable in field order, e.g. Chinchilla 70B (Hoffmann et
/// al. 2022, Table 4): `Architecture{80, 8192, 64, 0, 4.0, 32000, 2048, 128}`.
struct Architecture {
  int n_layers = 0;  ///< transformer blocks [n_layer, num_layers]
  int d_model = 0;   ///< residual width [d_model]
  int n_heads = 0;   ///< attention heads [num_heads]
  int d_ff = 0;      ///< feed-forward width [d_ff, ffw_size]; 0 → ff_ratio
  double ff_ratio = 4.0;  ///< d_ff = round(ff_ratio · d_model) if d_ff == 0
  int vocab_size = 0;     ///< vocabulary [n_vocab, vocab_size]
  int seq_len = 0;        ///< training context [n_ctx, seq_len]
  int kv_size = 0;  ///< per-head key size [key_size]; 0 → d_model/n_heads

  /// Throws InvalidArgument naming the field when n_layers, d_model,
  /// n_heads, vocab_size or seq_len is not positive, when d_ff or kv_size is
  /// negative, when d_ff == 0 and ff_ratio is not finite and positive (or
  /// round(ff_ratio · d_model) is not in [1, INT_MAX]), or when kv_size == 0
  /// and d_model is not a multiple of n_heads.
  void Validate() const {
    constexpr const char* kPositive = "must be positive";
    if (n_layers <= 0) detail::ThrowField("n_layers", kPositive, n_layers);
    if (d_model <= 0) detail::ThrowField("d_model", kPositive, d_model);
    if (n_heads <= 0) detail::ThrowField("n_heads", kPositive, n_heads);
    if (vocab_size <= 0) {
      detail::ThrowField("vocab_size", kPositive, vocab_size);
    }
    if (seq_len <= 0) detail::ThrowField("seq_len", kPositive, seq_len);
    if (d_ff < 0) {
      detail::ThrowField(
          "d_ff", "must be positive, or 0 to use ff_ratio * d_model", d_ff);
    }
    if (d_ff == 0) {
      if (!std::isfinite(ff_ratio) || !(ff_ratio > 0.0)) {
        detail::ThrowField(
            "ff_ratio", "must be finite and positive when d_ff is 0", ff_ratio);
      }
      const double ff = std::round(ff_ratio * static_cast<double>(d_model));
      if (!(ff >= 1.0) || ff > detail::kIntMax) {
        detail::ThrowField(
            "ff_ratio", "* d_model must round to a size in [1, INT_MAX]", ff);
      }
    }
    if (kv_size < 0) {
      detail::ThrowField("kv_size",
                         "must be positive, or 0 to use d_model / n_heads",
                         kv_size);
    }
    if (kv_size == 0 && d_model % n_heads != 0) {
      std::ostringstream os;
      os << "Architecture.kv_size must be set when d_model (" << d_model
         << ") is not a multiple of n_heads (" << n_heads << ")";
      throw InvalidArgument(os.str());
    }
  }

  /// Feed-forward width: d_ff if set, else round(ff_ratio · d_model).
  /// Validates first (throws InvalidArgument).
  int FeedForwardSize() const {
    Validate();
    if (d_ff > 0) return d_ff;
    return static_cast<int>(
        std::lround(ff_ratio * static_cast<double>(d_model)));
  }

  /// Per-head key/query/value size: kv_size if set, else d_model / n_heads.
  /// Validates first (throws InvalidArgument).
  int KeySize() const {
    Validate();
    return kv_size > 0 ? kv_size : d_model / n_heads;
  }

  /// Total attention width d_attn = key_size · n_heads (Kaplan's d_attn;
  /// Hoffmann's key_size × num_heads), as a double (it may exceed INT_MAX).
  double AttentionSize() const {
    return static_cast<double>(KeySize()) * static_cast<double>(n_heads);
  }
};

namespace detail {

/// An Architecture validated once and converted to doubles.
struct Dims {
  double n_layers, d_model, n_heads, d_ff, vocab, seq_len, d_attn;
};

inline Dims ToDims(const Architecture& a) {
  a.Validate();
  return Dims{static_cast<double>(a.n_layers),
              static_cast<double>(a.d_model),
              static_cast<double>(a.n_heads),
              static_cast<double>(a.FeedForwardSize()),
              static_cast<double>(a.vocab_size),
              static_cast<double>(a.seq_len),
              a.AttentionSize()};
}

/// Throws InvalidArgument unless x is finite and >= 0.
inline void CheckNonNegative(const char* name, double x) {
  if (!std::isfinite(x) || !(x >= 0.0)) {
    std::ostringstream os;
    os << name << " must be finite and non-negative (got " << x << ")";
    throw InvalidArgument(os.str());
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Parameter counts
// ---------------------------------------------------------------------------

/// Non-embedding parameters (Kaplan et al. 2020, §2.1 and Table 1):
///   N = 2 · d_model · n_layer · (2 · d_attn + d_ff)
/// = n_layer · (4·d_model·d_attn [QKV + output projection]
///              + 2·d_model·d_ff [two feed-forward matrices]),
/// with d_attn = key_size · n_heads. Biases, layer norms and any
/// relative-position parameters are ignored (Kaplan: "negligible"), so this
/// undercounts real checkpoints slightly (Chinchilla 70B: 64.4B here vs the
/// published 70B, most of the gap being Transformer-XL relative-position
/// weights). For d_attn = d_model, d_ff = 4·d_model: N = 12·n_layer·d_model².
inline double NonEmbeddingParams(const Architecture& arch) {
  const detail::Dims a = detail::ToDims(arch);
  return 2.0 * a.d_model * a.n_layers * (2.0 * a.d_attn + a.d_ff);
}

/// Embedding parameters — convention of this library:
///   N_embed = vocab_size · d_model
/// i.e. ONE vocabulary matrix (input embedding tied with the output
/// projection, or equivalently Hoffmann's counting, which includes the output
/// projection) and NO positional table (relative / rotary positions, as in
/// Chinchilla). This deliberately differs from Kaplan et al. 2020 Table 1,
/// which counts (n_vocab + n_ctx) · d_model for GPT-style learned absolute
/// positions; for such a model add seq_len · d_model yourself, and for
/// untied input/output matrices add another vocab_size · d_model.
inline double EmbeddingParams(const Architecture& arch) {
  const detail::Dims a = detail::ToDims(arch);
  return a.vocab * a.d_model;
}

/// TotalParams = NonEmbeddingParams + EmbeddingParams (see both for what is
/// and is not counted). This is the N to pass to 6ND when following
/// Hoffmann et al. 2022.
inline double TotalParams(const Architecture& arch) {
  return NonEmbeddingParams(arch) + EmbeddingParams(arch);
}

// ---------------------------------------------------------------------------
// FLOP conventions
// ---------------------------------------------------------------------------

/// The FLOP-counting conventions scalefit knows. Names (ToString):
/// "6ND", "kaplan", "hoffmann_detailed".
enum class FlopConvention { k6ND, kKaplan, kHoffmannDetailed };

namespace detail {

[[noreturn]] inline void ThrowBadConvention(FlopConvention convention) {
  std::ostringstream os;
  os << "FlopConvention value " << static_cast<int>(convention)
     << " is not a known convention";
  throw InvalidArgument(os.str());
}

}  // namespace detail

/// Every convention, in declaration order.
inline std::vector<FlopConvention> AllFlopConventions() {
  return {FlopConvention::k6ND, FlopConvention::kKaplan,
          FlopConvention::kHoffmannDetailed};
}

/// "6ND", "kaplan" or "hoffmann_detailed". Throws InvalidArgument for a
/// value outside the enum.
inline std::string ToString(FlopConvention convention) {
  switch (convention) {
    case FlopConvention::k6ND:
      return "6ND";
    case FlopConvention::kKaplan:
      return "kaplan";
    case FlopConvention::kHoffmannDetailed:
      return "hoffmann_detailed";
  }
  detail::ThrowBadConvention(convention);
}

/// Inverse of ToString; exact, case-sensitive match. Throws UnknownName (an
/// InvalidArgument) listing the valid names otherwise.
inline FlopConvention ParseFlopConvention(const std::string& name) {
  for (FlopConvention c : AllFlopConventions()) {
    if (ToString(c) == name) return c;
  }
  std::ostringstream os;
  os << "unknown FLOP convention \"" << name << "\"; valid names:";
  const char* sep = " ";
  for (FlopConvention c : AllFlopConventions()) {
    os << sep << '"' << ToString(c) << '"';
    sep = ", ";
  }
  throw UnknownName(os.str());
}

/// C = k · N · D FLOPs (Kaplan et al. 2020 §2.1, "C ≈ 6NBS"; Hoffmann et
/// al. 2022 use the same with N = all parameters). k = 6 = 2 (forward
/// multiply-add) × 3 (backward ≈ 2 × forward). N = parameters, D = tokens.
/// Throws InvalidArgument naming N or D unless finite and >= 0, or naming k
/// unless finite and > 0.
///
/// WARNING: which N (TotalParams or NonEmbeddingParams) is the caller's
/// choice; the context-length (attention) terms are ignored.
inline double Flops6ND(double N, double D, double k = 6.0) {
  detail::CheckNonNegative("N", N);
  detail::CheckNonNegative("D", D);
  if (!std::isfinite(k) || !(k > 0.0)) {
    std::ostringstream os;
    os << "k must be finite and positive (got " << k << ")";
    throw InvalidArgument(os.str());
  }
  return k * N * D;
}

/// Kaplan et al. 2020 training FLOPs for `tokens` tokens.
///   Forward per token (Table 1, Eq. 2.2):
///     C_forward ≈ 2·N + 2·n_layer·n_ctx·d_attn
///   Training = 3 × forward (backward ≈ 2 × forward, §2.1):
///     C = 6·N·D + 6·n_layer·n_ctx·d_attn·D
/// with N = NonEmbeddingParams(arch), n_ctx = seq_len, d_attn = key_size ·
/// n_heads (= d_model in all of Kaplan's models, hence "d_model" in some
/// restatements). Embedding and de-embedding FLOPs are excluded, as in
/// Kaplan. The n_ctx term averages the causal mask (each token attends to
/// ~n_ctx/2 positions, for logits and value reduction). Throws
/// InvalidArgument for an invalid architecture or for tokens not finite and
/// >= 0 (message names "tokens").
inline double KaplanTrainingFlops(const Architecture& arch, double tokens) {
  detail::CheckNonNegative("tokens", tokens);
  const detail::Dims a = detail::ToDims(arch);
  const double per_token =
      6.0 * NonEmbeddingParams(arch) + 6.0 * a.n_layers * a.seq_len * a.d_attn;
  return per_token * tokens;
}

/// Hoffmann et al. 2022 (Appendix F) FLOPs for ONE sequence of seq_len
/// tokens. Each attention/dense field is summed over all n_layers layers;
/// forward is the sum of the eight component fields.
struct FlopBreakdown {
  double embeddings = 0.0;           ///< 2·S·V·d (one-hot matmul)
  double attention_qkv = 0.0;        ///< L · 2·3·S·d·(k·H)
  double attention_logits = 0.0;     ///< L · 2·S·S·(k·H)   (key @ query)
  double attention_softmax = 0.0;    ///< L · 3·H·S·S
  double attention_reduction = 0.0;  ///< L · 2·S·S·(k·H)   (softmax @ value)
  double attention_output = 0.0;     ///< L · 2·S·(k·H)·d   (final linear)
  double dense = 0.0;                ///< L · 2·S·(d·F + d·F)
  double final_logits = 0.0;         ///< 2·S·d·V
  double forward = 0.0;              ///< sum of the eight fields above
  double backward = 0.0;             ///< 2 × forward (Kaplan et al. 2020)
  double total = 0.0;                ///< forward + backward = 3 × forward
};

/// The Hoffmann et al. 2022 Appendix F count for one sequence. Notation:
/// S = seq_len, V = vocab_size, d = d_model, H = n_heads, k = key size,
/// F = feed-forward size, L = n_layers. Appendix F, per sequence, forward:
///   Embeddings                2·S·V·d
///   Attention (single layer)
///     key, query, value proj  2·3·S·d·(k·H)
///     key @ query logits      2·S·S·(k·H)
///     softmax                 3·H·S·S
///     softmax @ query reduct. 2·S·S·(k·H)   ("query" is the paper's word;
///                                            the operand is the values)
///     final linear            2·S·(k·H)·d
///   Dense block (per layer)   2·S·(d·F + d·F)
///   Final logits              2·S·d·V
///   Total forward             embeddings + L·(attention + dense) + logits
///   Total backward            2 × forward (as in Kaplan et al. 2020)
/// No causal-mask discount, no layer norms, biases or nonlinearities.
/// Throws InvalidArgument for an invalid architecture.
///
/// WARNING: the published Table A4 ratios (1.03, 1.10, 1.08, 1.04, 1.03,
/// 0.99 for 73M ... 6.8B parameters) are reproduced by 3·(forward −
/// embeddings − final_logits) / (6·N·S) with N the published parameter
/// count, not by `total`: the table appears to omit the embedding and logit
/// terms the text lists (with them the ratios come out 1.1-1.7).
inline FlopBreakdown HoffmannFlopBreakdown(const Architecture& arch) {
  const detail::Dims a = detail::ToDims(arch);
  const double S = a.seq_len;
  const double V = a.vocab;
  const double d = a.d_model;
  const double H = a.n_heads;
  const double kh = a.d_attn;  // key_size · num_heads
  const double F = a.d_ff;
  const double L = a.n_layers;

  FlopBreakdown b;
  b.embeddings = 2.0 * S * V * d;
  b.attention_qkv = L * (2.0 * 3.0 * S * d * kh);
  b.attention_logits = L * (2.0 * S * S * kh);
  b.attention_softmax = L * (3.0 * H * S * S);
  b.attention_reduction = L * (2.0 * S * S * kh);
  b.attention_output = L * (2.0 * S * kh * d);
  b.dense = L * (2.0 * S * (d * F + d * F));
  b.final_logits = 2.0 * S * d * V;
  b.forward = b.embeddings + b.attention_qkv + b.attention_logits +
              b.attention_softmax + b.attention_reduction + b.attention_output +
              b.dense + b.final_logits;
  b.backward = 2.0 * b.forward;
  b.total = b.forward + b.backward;
  return b;
}

/// Hoffmann et al. 2022 (Appendix F) training FLOPs for `tokens` tokens:
///   C = HoffmannFlopBreakdown(arch).total × tokens / seq_len
/// (tokens need not be a multiple of seq_len; the count is linear). Throws
/// InvalidArgument for an invalid architecture or for tokens not finite and
/// >= 0 (message names "tokens").
inline double HoffmannTrainingFlops(const Architecture& arch, double tokens) {
  detail::CheckNonNegative("tokens", tokens);
  const FlopBreakdown b = HoffmannFlopBreakdown(arch);
  return b.total * tokens / static_cast<double>(arch.seq_len);
}

/// Training FLOPs under `convention`:
///   k6ND              → Flops6ND(N, D)            (arch ignored, may be null)
///   kKaplan           → KaplanTrainingFlops(*arch, D)     (N ignored)
///   kHoffmannDetailed → HoffmannTrainingFlops(*arch, D)   (N ignored)
/// D = training tokens. Throws InvalidArgument if the convention needs an
/// architecture and `arch` is null, or for any invalid input.
inline double TrainingFlops(FlopConvention convention, const Architecture* arch,
                            double N, double D) {
  switch (convention) {
    case FlopConvention::k6ND:
      return Flops6ND(N, D);
    case FlopConvention::kKaplan:
    case FlopConvention::kHoffmannDetailed:
      if (arch == nullptr) {
        throw InvalidArgument("FLOP convention \"" + ToString(convention) +
                              "\" needs an architecture (got null); only "
                              "\"6ND\" works from N and D alone");
      }
      return convention == FlopConvention::kKaplan
                 ? KaplanTrainingFlops(*arch, D)
                 : HoffmannTrainingFlops(*arch, D);
  }
  detail::ThrowBadConvention(convention);
}

/// True for the conventions that count FLOPs from a model's shape and so
/// need an Architecture ("kaplan", "hoffmann_detailed"); false for "6ND".
inline bool NeedsArchitecture(FlopConvention convention) {
  return convention != FlopConvention::k6ND;
}

/// Training FLOPs per token of a model with the PROPORTIONS of `shape`,
/// scaled to N parameters: what "an architecture" means when allocation asks
/// for the FLOPs of a model size N that no architecture was given for.
///
/// The shape fixes λ = n_layers/d_model, ρa = d_attn/d_model,
/// ρf = d_ff/d_model, the head size k, the vocabulary V and the context S;
/// the width d (continuous) is the one with N parameters under the
/// convention's own parameter count, then
///   6ND:                f(N) = 6·N
///   kaplan:             N = N_ne = 2λ(2ρa + ρf)·d³   (NonEmbeddingParams)
///                       f(N) = 6·N + 6·L·S·d_attn    (Eq. 2.2 above)
///   hoffmann_detailed:  N = N_total = λ(4ρa + 2ρf)·d³ + V·d  (TotalParams)
///                       f(N) = 3·forward/S = 6·N + 6·V·d + 12·L·S·d_attn
///                              + 9·L·H·S             (Appendix F above)
/// with L = λ·d, d_attn = ρa·d, H = ρa·d/k. At N = the shape's own parameter
/// count (NonEmbeddingParams / TotalParams) this is exactly
/// KaplanTrainingFlops(shape, 1) / HoffmannTrainingFlops(shape, 1); f is
/// increasing in N. Throws InvalidArgument for an invalid shape or N not
/// finite and > 0.
///
/// WARNING: N must be the convention's N: non-embedding parameters for
/// kaplan, all parameters for hoffmann_detailed (see the file comment).
inline double PerTokenTrainingFlops(FlopConvention convention,
                                    const Architecture& shape, double N) {
  if (!std::isfinite(N) || !(N > 0.0)) {
    throw InvalidArgument("N (parameters) must be finite and > 0 (got " +
                          FormatFull(N) + ")");
  }
  if (convention == FlopConvention::k6ND) return 6.0 * N;
  const detail::Dims a = detail::ToDims(shape);
  const double lambda = a.n_layers / a.d_model;
  const double rho_a = a.d_attn / a.d_model;
  const double rho_f = a.d_ff / a.d_model;
  const double S = a.seq_len;
  if (convention == FlopConvention::kKaplan) {
    const double d = std::cbrt(N / (2.0 * lambda * (2.0 * rho_a + rho_f)));
    return 6.0 * N + 6.0 * (lambda * d) * S * (rho_a * d);
  }
  // hoffmann_detailed: c3·d³ + V·d = N, increasing and convex in d > 0.
  // Newton from min(cbrt(N/c3), N/V), an upper bound on the root, descends
  // monotonically onto it.
  const double c3 = lambda * (4.0 * rho_a + 2.0 * rho_f);
  const double V = a.vocab;
  double d = std::min(std::cbrt(N / c3), N / V);
  for (int it = 0; it < 200; ++it) {
    const double step = (c3 * d * d * d + V * d - N) / (3.0 * c3 * d * d + V);
    d -= step;
    if (!(std::abs(step) > 1e-15 * d)) break;
  }
  const double L = lambda * d, d_attn = rho_a * d;
  const double H = d_attn / static_cast<double>(shape.KeySize());
  return 6.0 * N + 6.0 * V * d + 12.0 * L * S * d_attn + 9.0 * L * H * S;
}

}  // namespace scalefit::flops

namespace scalefit {

// ---------------------------------------------------------------------------
// FLOP models for allocation
// ---------------------------------------------------------------------------

/// Training compute as a function of parameters N and tokens D: the FLOP
/// model that allocation (allocation.hpp) optimises under. Header-only.
///
/// Requirements on a model: C(N, D) is finite, positive and strictly
/// increasing in D for fixed N, and in N for fixed D (so that FLOPs(N, D) = C
/// has one solution D(N) and the search range N ∈ [1, N(D = 1)] is
/// well-defined). Built-in models:
///   SixND(k)     C = k·N·D                    ("6ND" above; k = 6)
///   PerToken(f)  C = f(N)·D, f > 0 increasing (e.g. 6N + attention FLOPs
///                per token for a fixed context, Kaplan et al. 2020 Eq. 2.2)
///   General(g)   any C = g(N, D) meeting the requirements (D(N) by a
///                bracketed root search in log D; slower)
/// `name()` is the convention recorded in every result ("6ND" for k = 6,
/// matching flops::ToString(FlopConvention::k6ND)); `description()` states
/// the formula.
class FlopModel {
 public:
  /// C = k·N·D. Throws InvalidArgument unless k is finite and > 0.
  static FlopModel SixND(double k = 6.0);
  /// C = flops_per_token(N)·D. `name` must be non-empty.
  static FlopModel PerToken(const std::string& name,
                            std::function<double(double)> flops_per_token,
                            const std::string& description = "");
  /// C = flops(N, D). `name` must be non-empty.
  static FlopModel General(const std::string& name,
                           std::function<double(double, double)> flops,
                           const std::string& description = "");
  /// The model of a named convention (flops::ParseFlopConvention; UnknownName
  /// listing the names otherwise): "6ND" is SixND(6) and takes no
  /// architecture; "kaplan" and "hoffmann_detailed" are
  /// PerToken(flops::PerTokenTrainingFlops(convention, *architecture, N)):
  /// models of the architecture's shape scaled to N. Throws InvalidArgument
  /// when a convention that needs an architecture gets none, or 6ND gets one.
  static FlopModel FromConvention(
      const std::string& convention,
      const flops::Architecture* architecture = nullptr);
  /// SixND(k) for "6ND" (any other name: as above, needing an architecture).
  static FlopModel FromConvention(const std::string& convention, double k);
  /// A placeholder meaning "the fit's own convention": the default of every
  /// allocation, interval and backtest function, replaced there by the
  /// result's FitResult::flop_model(). Its Flops() throws.
  static FlopModel OfFit();

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  /// k for SixND models, NaN otherwise.
  double k() const { return k_; }
  bool is_six_nd() const { return kind_ == Kind::kSixND; }
  /// True for the OfFit() placeholder.
  bool is_of_fit() const { return kind_ == Kind::kOfFit; }

  /// C(N, D) FLOPs.
  double Flops(double N, double D) const;
  /// log D such that C(exp(log_N), D) = exp(log_C). Returns NaN when no
  /// D in [exp(−700), exp(700)] gives C.
  double LogTokens(double log_N, double log_C) const;
  /// log N such that C(N, 1) = exp(log_C) (largest N for D ≥ 1); NaN when
  /// none in [exp(−700), exp(700)].
  double MaxLogParams(double log_C) const;

 private:
  enum class Kind { kSixND, kPerToken, kGeneral, kOfFit };
  Kind kind_ = Kind::kSixND;
  std::string name_ = "6ND";
  std::string description_;
  double k_ = 6.0;
  std::function<double(double)> per_token_;
  std::function<double(double, double)> general_;
};

inline FlopModel FlopModel::SixND(double k) {
  if (!std::isfinite(k) || !(k > 0.0)) {
    throw InvalidArgument(
        "FLOPs per parameter per token k must be finite and "
        "> 0 (got " +
        FormatFull(k) + ")");
  }
  FlopModel m;
  m.kind_ = Kind::kSixND;
  m.k_ = k;
  m.name_ = k == 6.0 ? flops::ToString(flops::FlopConvention::k6ND)
                     : "kND (k = " + FormatFull(k) + ")";
  m.description_ =
      "C = k·N·D, k = " + FormatFull(k) + " FLOPs per parameter per token";
  return m;
}

inline FlopModel FlopModel::PerToken(
    const std::string& name, std::function<double(double)> flops_per_token,
    const std::string& description) {
  if (name.empty()) throw InvalidArgument("FlopModel name must be non-empty");
  if (!flops_per_token) {
    throw InvalidArgument("FlopModel '" + name + "': no function given");
  }
  FlopModel m;
  m.kind_ = Kind::kPerToken;
  m.k_ = std::numeric_limits<double>::quiet_NaN();
  m.name_ = name;
  m.description_ =
      description.empty() ? "C = f(N)·D (user per-token FLOPs)" : description;
  m.per_token_ = std::move(flops_per_token);
  return m;
}

inline FlopModel FlopModel::General(const std::string& name,
                                    std::function<double(double, double)> flops,
                                    const std::string& description) {
  if (name.empty()) throw InvalidArgument("FlopModel name must be non-empty");
  if (!flops)
    throw InvalidArgument("FlopModel '" + name + "': no function given");
  FlopModel m;
  m.kind_ = Kind::kGeneral;
  m.k_ = std::numeric_limits<double>::quiet_NaN();
  m.name_ = name;
  m.description_ =
      description.empty() ? "C = g(N, D) (user FLOP model)" : description;
  m.general_ = std::move(flops);
  return m;
}

inline FlopModel FlopModel::FromConvention(
    const std::string& convention, const flops::Architecture* architecture) {
  const flops::FlopConvention c = flops::ParseFlopConvention(convention);
  if (!flops::NeedsArchitecture(c)) {
    if (architecture != nullptr) {
      throw InvalidArgument(
          "FLOP convention \"6ND\" counts C = 6·N·D and takes no "
          "architecture; drop it, or use \"kaplan\" or "
          "\"hoffmann_detailed\" to count attention FLOPs from the shape");
    }
    return SixND(6.0);
  }
  if (architecture == nullptr) {
    throw InvalidArgument(
        "FLOP convention \"" + convention +
        "\" counts FLOPs from the model's shape, so it needs an architecture "
        "(n_layers, d_model, n_heads, vocab_size, seq_len; see "
        "flops::Architecture); only \"6ND\" works from N and D alone");
  }
  architecture->Validate();
  const flops::Architecture shape = *architecture;
  std::ostringstream os;
  os << (c == flops::FlopConvention::kKaplan
             ? "C = (6·N + 6·n_layer·n_ctx·d_attn)·D (Kaplan et al. 2020 Eq. "
               "2.2; N = non-embedding parameters)"
             : "C = 3·forward FLOPs per token·D (Hoffmann et al. 2022 App. F; "
               "N = all parameters)")
     << ", for models shaped like n_layers " << shape.n_layers << ", d_model "
     << shape.d_model << ", n_heads " << shape.n_heads << ", d_ff "
     << shape.FeedForwardSize() << ", vocab " << shape.vocab_size
     << ", seq_len " << shape.seq_len << " scaled to N";
  return PerToken(
      convention,
      [c, shape](double N) {
        return flops::PerTokenTrainingFlops(c, shape, N);
      },
      os.str());
}

inline FlopModel FlopModel::FromConvention(const std::string& convention,
                                           double k) {
  const flops::FlopConvention c = flops::ParseFlopConvention(convention);
  if (c == flops::FlopConvention::k6ND) return SixND(k);
  return FromConvention(convention, nullptr);  // throws: needs a shape
}

inline FlopModel FlopModel::OfFit() {
  FlopModel m;
  m.kind_ = Kind::kOfFit;
  m.k_ = std::numeric_limits<double>::quiet_NaN();
  m.name_ = "the fit's FLOP convention";
  m.description_ = "resolved against the result (FitResult::flop_model())";
  return m;
}

inline double FlopModel::Flops(double N, double D) const {
  switch (kind_) {
    case Kind::kSixND:
      return k_ * N * D;
    case Kind::kPerToken:
      return per_token_(N) * D;
    case Kind::kGeneral:
      return general_(N, D);
    case Kind::kOfFit:
      break;
  }
  throw InvalidArgument(
      "FlopModel::OfFit() stands for a fit's FLOP convention and must be "
      "resolved against the result (FitResult::flop_model()) before use");
}

inline double FlopModel::LogTokens(double log_N, double log_C) const {
  switch (kind_) {
    case Kind::kSixND:
      return log_C - std::log(k_) - log_N;
    case Kind::kPerToken: {
      const double f = per_token_(std::exp(log_N));
      return f > 0.0 && std::isfinite(f)
                 ? log_C - std::log(f)
                 : std::numeric_limits<double>::quiet_NaN();
    }
    case Kind::kGeneral: {
      const double N = std::exp(log_N);
      auto s = [&](double y) {
        const double c = general_(N, std::exp(y));
        return std::isnan(c) ? std::numeric_limits<double>::quiet_NaN()
                             : std::log(c) - log_C;
      };
      if (!(s(-detail::kLogLimit) < 0.0) || !(s(detail::kLogLimit) >= 0.0))
        return std::numeric_limits<double>::quiet_NaN();
      return detail::Bisect(s, -detail::kLogLimit, detail::kLogLimit);
    }
    case Kind::kOfFit:
      return Flops(1.0, 1.0);  // throws: not resolved
  }
  return std::numeric_limits<double>::quiet_NaN();
}

inline double FlopModel::MaxLogParams(double log_C) const {
  if (kind_ == Kind::kSixND) return log_C - std::log(k_);
  auto s = [&](double x) {
    const double c = Flops(std::exp(x), 1.0);
    return std::isnan(c) ? std::numeric_limits<double>::quiet_NaN()
                         : std::log(c) - log_C;
  };
  if (!(s(-detail::kLogLimit) < 0.0) || !(s(detail::kLogLimit) >= 0.0))
    return std::numeric_limits<double>::quiet_NaN();
  return detail::Bisect(s, -detail::kLogLimit, detail::kLogLimit);
}

}  // namespace scalefit
