// Internals shared by the files of src/uncertainty/: which parameters move,
// the delta-method arithmetic, the Chinchilla derived quantities, and the
// bootstrap's per-fit context.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/fit.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/uncertainty.hpp"

namespace scalefit::detail {

/// Throws InvalidArgument unless the result has a law and data (a result
/// from FromParams or a fit card without data has no uncertainty).
void RequireData(const FitResult& r, const std::string& where);

// Which parameters move: source[k] = index of the free parameter p_k
// follows (itself when free), or -1 when fixed.
struct FreeMap {
  int P = 0;
  std::vector<int> source;  // -1 = fixed
  std::vector<int> free;    // indices of free parameters
  std::vector<int> column;  // parameter -> column in the free Jacobian, -1
};

FreeMap MakeFreeMap(const FitResult& r);

/// Variance of a linear combination gᵀΣg; +inf if it touches an
/// unidentified parameter.
double DeltaVariance(const Covariance& cov, const std::vector<double>& g);

/// Interval from value and se on the log or linear scale.
void DeltaInterval(double value, double se, double z, bool log_scale,
                   double* lo, double* hi);

/// True when the result's law is the built-in chinchilla law.
bool IsChinchilla(const FitResult& r);

struct ChinIdx {
  int E, A, B, alpha, beta;
};

ChinIdx ChinchillaIndices(const LawInfo& info);

/// k of the fit's C = k·N·D FLOP convention; throws for another convention.
double FlopK(const FitResult& r);

/// Throws InvalidArgument unless `budgets` is empty, or the law is
/// chinchilla and every budget is finite and > 0.
void CheckBudgets(const std::vector<double>& budgets, const FitResult& r,
                  const std::string& where);

/// Derived quantities in DerivedNames order, of type T (double or Jet).
template <typename T>
std::vector<T> DerivedValues(const T* p, const ChinIdx& ix,
                             const std::vector<double>& budgets, double k) {
  std::vector<T> out;
  const auto f0 = ChinchillaFrontierAtLogCk(p[ix.E], p[ix.A], p[ix.B],
                                            p[ix.alpha], p[ix.beta], 0.0);
  out.push_back(f0.a);
  out.push_back(f0.b);
  out.push_back(f0.G);
  for (double C : budgets) {
    const auto f = ChinchillaFrontierAt(p[ix.E], p[ix.A], p[ix.B], p[ix.alpha],
                                        p[ix.beta], C, k);
    out.push_back(f.N_opt);
    out.push_back(f.D_opt);
    out.push_back(f.tokens_per_param);
    out.push_back(f.loss_opt);
  }
  return out;
}

/// log_scale flags of the derived quantities: a, b linear; the rest log.
std::vector<unsigned char> DerivedLogScale(size_t count);

// --- bootstrap ---------------------------------------------------------------

inline constexpr std::uint64_t kDataStream = 1;        // rows / residuals
inline constexpr std::uint64_t kPredictionStream = 2;  // residual per predict
inline constexpr std::uint64_t kRetryStream = 3;       // retry-start offsets

// Everything a replicate needs, computed once.
struct BootContext {
  const Observations* d = nullptr;
  int n = 0;
  bool in_log = true;
  std::vector<double> fitted;  // L̂_i
  std::vector<double> resid;   // observed − fitted on the objective scale
  std::vector<std::vector<int>> group_rows;  // cluster: rows per group
  int m = 0;                                 // subsample size
  FitOptions opts;                           // replicate fit options
};

/// Validates the options against the fit and computes the context.
BootContext MakeContext(const FitResult& r, const BootstrapOptions& o);

}  // namespace scalefit::detail
