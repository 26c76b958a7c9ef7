// Internals of the fitting engine shared by the files of src/fit/: the
// problem set-up, the start strategies, polishing and certification. The
// engine knows nothing of the analyses (diagnostics, allocation, ...): Fit()
// in fit.cpp composes it with the design diagnostics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/detail/engine.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/law.hpp"

namespace scalefit::detail {

// ---------------------------------------------------------------------------
// Set-up (setup.cpp)
// ---------------------------------------------------------------------------

// Everything derived from the options and data before any solve.
struct Setup {
  LawInfo info;
  int P = 0;
  ParamMap map;
  std::vector<double> lower, upper;  // user units
  std::vector<double> init;          // user units
  std::vector<unsigned char> fixed;
  std::vector<std::string> tied_to;
  std::vector<double> target, sqrt_w;
  std::vector<double> log_x;             // log of every input, row-major
  std::vector<double> col_x, col_log_x;  // the same, column-major, padded
  double weight_scale = 1.0;
  ProblemData pd;
  int num_free = 0;
};

/// Internal value of a parameter: log v for positive scales, else v.
double ToInternal(const ParamInfo& p, double v);

/// Validates the options against the law and the data (bounds, init,
/// fixed, ties, input names, rows) and derives everything the solves need.
/// Throws InvalidArgument / UnknownName naming the offending option.
Setup MakeSetup(const LawModel& law, const Observations& data,
                const FitOptions& o);

/// User-unit parameters to internal coordinates (ties applied).
std::vector<double> UserToInternal(const Setup& s,
                                   const std::vector<double>& user);

/// Clamps z into the internal bounds (starts must be feasible for Ceres).
void ClampInternal(const Setup& s, std::vector<double>* z);

/// The local-solve settings of FitOptions.
SolveSettings SettingsFor(const FitOptions& o);

// ---------------------------------------------------------------------------
// Starts (hoffmann_grid.cpp, scoring_rows.cpp, grid_starts.cpp)
// ---------------------------------------------------------------------------

/// The internal start grid of Hoffmann et al. 2022, App. D.2, in law
/// parameter order (E, A, B, alpha, beta) and internal units
/// (log E, log A, log B, alpha, beta): 4500 points.
inline constexpr int kHoffmannGridSize = 5 * 5 * 5 * 6 * 6;  // 4500
std::vector<std::vector<double>> HoffmannGrid(const LawInfo& info);

// The rows that score the default start grid: every row, or at most
// max_scoring_rows of them — each input's smallest and largest row (so the
// ranking sees the data's whole range, the extrapolation end above all) and
// an even stride through the rest. Scores only rank starts (the polish uses
// every row), and a spread of a few thousand rows ranks them as well as all
// rows: without the cap a four-exponent law spent 95% of a 1e5-row fit here.
struct ScoringRows {
  int n = 0;
  std::vector<double> x, log_x, target, sqrt_w;
  // Column-major, padded copies for batch kernels (see detail::BatchRows).
  std::vector<double> col_x, col_log_x, pad_target, pad_sqrt_w;
  BatchRows batch;
};

ScoringRows SelectScoringRows(const Setup& s, int max_rows);

/// Calls f(values) for every cell of the Cartesian product of `axes`
/// (last axis fastest).
template <typename F>
void ForEachCell(const std::vector<std::vector<double>>& axes, F&& f) {
  const int m = static_cast<int>(axes.size());
  std::vector<int> idx(m, 0);
  std::vector<double> values(m);
  for (;;) {
    for (int j = 0; j < m; ++j) values[j] = axes[j][idx[j]];
    f(values);
    int j = m - 1;
    while (j >= 0 && ++idx[j] == static_cast<int>(axes[j].size())) {
      idx[j] = 0;
      --j;
    }
    if (j < 0) return;
  }
}

/// The default grid's cells ranked best first (ties by cell index), at most
/// `count` of them, as internal start vectors (variable projection; see
/// grid_starts.cpp). Ranked on `threads` workers, each cell into its own
/// slot, so the ranking does not depend on the thread count.
std::vector<std::vector<double>> GridStarts(const LawModel& law, const Setup& s,
                                            const FitOptions& o, int count,
                                            int threads);

// ---------------------------------------------------------------------------
// Polish and certification (polish.cpp, certify.cpp)
// ---------------------------------------------------------------------------

/// Keeps Ceres' glog output to errors unless the host configured glog.
void QuietCeresLogging();

// Every start polished (screened when there are more than num_refined),
// the best refined to full tolerance. Slot i holds start i's outcome.
struct Polished {
  std::vector<SolveOutcome> outcomes;
  int best = -1;
  bool screened = false;
};

/// Polishes every start (slot i = start i), screened when there are more
/// than num_refined, and refines the best to full tolerance. `models` holds
/// one residual model per worker, created on first use and reused.
Polished PolishStarts(const LawModel& law, const Setup& s, const FitOptions& o,
                      const std::vector<std::vector<double>>& starts,
                      const SolveSettings& base, int threads,
                      std::vector<std::unique_ptr<ResidualModel>>* models);

/// Projected gradient of the objective at z relative to the sum of absolute
/// contributions (scale-free); 0 for an exact fit, +inf where the law is not
/// finite.
double RelativeGradient(const Setup& s, const ResidualModel& model,
                        const std::vector<double>& z);

// ---------------------------------------------------------------------------
// The engine (engine.cpp)
// ---------------------------------------------------------------------------

/// The fitting engine: validates, builds the starts of `o.start`, polishes
/// and certifies them, and returns the result WITHOUT design diagnostics
/// (diagnostics.computed = false); Fit() adds them. `reached_optimum` is set
/// when some start reached a finite objective (the result's parameters are
/// then that start's end point, converged or not).
/// `summarize` = false leaves `data_summary` empty (FitWithoutSummary).
/// `setup`, when not null, receives the fit's set-up (its rows in the batch
/// layout point into the result's data, so they live as long as it does).
FitResult SolveFit(const LawPtr& law, const Observations& data,
                   const FitOptions& o, bool* reached_optimum,
                   bool summarize = true,
                   std::shared_ptr<const Setup>* setup = nullptr);

}  // namespace scalefit::detail
