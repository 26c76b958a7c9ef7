/// @file limits.hpp
/// Ceilings on the sizes of work and input that scalefit accepts, checked
/// before the work starts (docs/reliability.md lists every limit with the
/// error it gives). A request over a limit is an InvalidArgument naming the
/// option and the limit — never an out-of-memory abort or a hang.
///
/// Limits that a user may reasonably need to move are options, with these
/// defaults: FitOptions::max_starts (explicit and Hoffmann start grids),
/// FitOptions::max_grid_cells (the default grid, thinned to fit),
/// FormulaLawOptions::max_length / max_depth, FitCardLoadOptions::max_bytes
/// / max_depth, CsvLimits (csv.hpp). The rest are fixed ceilings, far above
/// any real use:
#pragma once

namespace scalefit {

/// Most threads any option accepts (num_threads; 0 = all cores).
inline constexpr int kMaxThreads = 1024;
/// Most bootstrap replicates (BootstrapOptions::num_replicates,
/// IsoflopOptions::num_bootstrap): 1e6 replicates of a 5-parameter law are
/// 40 MB of samples and hours of refits.
inline constexpr int kMaxReplicates = 1000000;
/// Ceiling of FitOptions::max_grid_cells: the default start grid's cells
/// are scored (microseconds each; 8 bytes of memory per cell).
inline constexpr int kMaxGridCells = 10000000;
/// Ceiling of FitOptions::max_starts: every start is a local solve
/// (milliseconds each) and keeps its outcome (a few hundred bytes).
inline constexpr int kMaxStarts = 1000000;

}  // namespace scalefit
