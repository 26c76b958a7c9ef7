// Internals shared by the files of src/uncertainty/: which parameters move,
// the delta-method arithmetic, the Chinchilla derived quantities, and the
// bootstrap's per-fit context.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
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

/// gᵀ S_b g for the diagonal block S_b of the row-major P×P matrix S that
/// starts at (offset, offset) and has g.size() rows; zero entries of g are
/// skipped (so an inf/NaN in S they would multiply does not enter).
double BlockQuadratic(const std::vector<double>& S, int P, int offset,
                      const std::vector<double>& g);

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

/// How the derived quantities at `budgets` are computed for fit r: under a
/// C = k·N·D convention every budget goes to the closed forms
/// (DerivedValues) with the convention's k; under another convention none
/// does (closed_budgets empty, k unused) and the plans at the budgets come
/// from the allocation under `flops`, the fit's model. a, b and G take no
/// budget and always come from the closed forms.
struct DerivedRoute {
  FlopModel flops;
  bool closed = true;                  ///< plans from the closed forms
  std::vector<double> closed_budgets;  ///< the budgets DerivedValues takes
  double k = 6.0;                      ///< its k
};
DerivedRoute RouteDerived(const FitResult& r,
                          const std::vector<double>& budgets);

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

/// v(u, c) = log D with FLOPs(e^u, e^v) = e^c — the FLOP model's own function
/// (FlopModel::LogTokens, the one the allocation solver searches along) — and
/// its derivatives to second order at (u, c) by central differences with step
/// h = 0.01: five points in u and in c (error ~h⁴ plus ~eps·|v|/h² ≈ 1e-10),
/// four for the mixed term. The FLOP model does not depend on the law's
/// parameters, so these numbers and the law's Jets give every derivative the
/// implicit function theorem needs (FrontierPlanGradients); the profile's
/// elimination of A or B takes the slope vu. Throws InvalidArgument where the
/// model gives no token count.
struct TokensTaylor {
  double v, vu, vc, vuu, vuc, vcc;
};
TokensTaylor TokensAt(const FlopModel& flops, double u, double c);

/// One plan on the compute-optimal frontier of the chinchilla law under
/// `flops` (any FlopModel smooth in N and D), with the gradient of each
/// quantity with respect to the law's parameters θ (law order). With
/// u = log N, c = log C and v(u, c) = log D on the budget
/// (FlopModel::LogTokens, the function the allocation solver searches
/// along), the allocation's root condition
///   g(u, θ, c) = ∂/∂u L(u, v(u, c); θ) = 0
/// and R = L(u, v(u, c); θ) are differentiated with nested Jets through
/// laws::Chinchilla::EvaluateAtLogs, v by its second-order Taylor model
/// (central differences; v does not depend on θ); the implicit function
/// theorem then gives
///   budget_given (compute_optimal):  du/dθ = −g_θ / g_u,  dc/dθ = 0;
///   else (loss_to_compute, R = target):
///     [g_u g_c; R_u R_c]·[du/dθ; dc/dθ] = −[g_θ; R_θ].
/// log_N, log_C: the solved plan (natural logs), from the allocation.
/// Throws NotIdentified when g_u ≤ 0 (not a strict minimum).
struct PlanGradients {
  double log_C = 0.0, log_N = 0.0, log_D = 0.0, loss = 0.0;
  /// ∂/∂θ of each, and of log(D/N) (d_log_ratio).
  std::vector<double> d_log_C, d_log_N, d_log_D, d_log_ratio, d_loss;
};
PlanGradients FrontierPlanGradients(const std::vector<double>& p,
                                    const ChinIdx& ix, const FlopModel& flops,
                                    double log_N, double log_C,
                                    bool budget_given);

/// The compute-optimal plan of the chinchilla fit `r` at budget C under
/// `flops` (ComputeOptimal, unidentified fits allowed: the covariance shows
/// what is not) and FrontierPlanGradients at it: what the delta method and
/// the profile take for N_opt@C and D_opt@C under a convention without a
/// closed form.
struct PlanWithGradients {
  Allocation plan;
  PlanGradients gradients;
};
PlanWithGradients OptimalPlanWithGradients(const FitResult& r, double C,
                                           const FlopModel& flops);

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
