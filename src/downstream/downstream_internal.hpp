// Internals shared by the files of src/downstream/: a chain's prepared data
// (the step-1 points per run, the step-2 checkpoints with their runs) and
// the by-run resampling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/downstream/chain.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/law.hpp"

namespace scalefit::downstream::detail {

struct ChainData {
  std::vector<std::string> runs;  // ladder runs, in order
  std::vector<double> run_N, final_D, final_C;
  std::vector<double> final_intermediate, final_metric;
  double max_ND = 0.0, max_C = 0.0;
  std::vector<double> step2_L, step2_y;
  std::vector<int> step2_run;  // −1 = the ideal point
  LawPtr law1, link;
  FitOptions opts1, opts2, opts_single;
};

/// Validates and prepares (the file comment of chain.hpp).
ChainData PrepareChain(const Ladder& ladder, const TaskSpec& task,
                       const ChainOptions& options);

/// One row per run (runs with count 0 left out; the others weighted by
/// their count); `values` per run is the observed value. Empty count = all
/// runs, unweighted.
Observations Step1Data(const ChainData& c, const std::vector<double>& count,
                       const std::vector<double>& values);
/// The step-2 checkpoints, weighted by their run's count (the ideal point
/// always once).
Observations Step2Data(const ChainData& c, const std::vector<double>& count);

/// How often each run is drawn in replicate i: runs of the same N are
/// resampled with replacement among themselves.
std::vector<double> DrawRunCounts(const ChainData& c, std::uint64_t seed,
                                  int replicate);

}  // namespace scalefit::downstream::detail
