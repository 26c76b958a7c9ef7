/// @file ladder.hpp
/// Model ladders as users hold them: per-run evaluation exports (W&B-style
/// CSVs, one row per evaluated checkpoint, many metric columns) turned into
/// one tidy table — one row per run × checkpoint with `run`, `N`, `D`, `C`,
/// `step`, `target` and the named metrics — and the operations the chained
/// forecasts use on it (skip the start of each run, smooth, keep the final
/// checkpoints). Ingestion does no fitting; fitting reads no files.
///
/// Per checkpoint:
///  - D (tokens seen) = the `tokens_column` cell when the export has that
///    column, else step × batch (the `batch_column` cell, or `batch_size`);
///  - C (FLOPs) = the run's FLOPs per token × D when given (Bhagia et al.
///    2024 count them per model size), else the FLOP convention on (N, D)
///    (flops.hpp: "6ND" gives C = 6·N·D);
///  - a metric is one column, or the weighted average Σ wⱼ xⱼ / Σ wⱼ of
///    several (MMLU as the mean of its four subsets weighted by their sizes:
///    stem 0.215, humanities 0.335, social sciences 0.219, other 0.231);
///  - step = the `step_column` cell, or the checkpoint's index in its run
///    when the export has no such column.
/// Checkpoints are ordered by D within each run (stable).
///
/// Errors name the export (its file), the column and the line (CSV files,
/// 1-based as an editor shows them) or row (in-memory tables, 0-based):
///   190M-1xC.csv, line 9, column 'eval/downstream/piqa_val_rc_5shot_len_norm':
///   empty cell
/// A missing column is UnknownName listing the export's columns; an empty
/// cell in a metric is an error unless `on_missing` is "drop" (the
/// checkpoint is then left out and counted in Ladder::dropped).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scalefit/csv.hpp"

namespace scalefit::downstream {

/// One run's export as numbers: columns of cells, NaN for an empty cell.
struct ExportTable {
  std::string source;  ///< names the export in errors (e.g. its file)
  std::vector<std::string> columns;
  std::vector<std::vector<double>> values;  ///< per column, one per row
  /// 1-based line of each row in its file; empty = rows are reported by
  /// their 0-based index.
  std::vector<int> lines;

  int num_rows() const;
  bool HasColumn(const std::string& name) const;
  /// The column's cells; throws UnknownName naming the source and listing
  /// its columns.
  const std::vector<double>& Column(const std::string& name) const;
  /// "<source>, line L, column 'name'" (or "row i").
  std::string Where(int row, const std::string& column) const;
};

/// The numeric cells of a parsed CSV: an empty cell (or only spaces) is
/// NaN; any other cell that is not a finite number is an error naming the
/// line, column and text.
ExportTable ExportFromCsv(const CsvTable& table);

/// A metric of the tidy table: a column, or a weighted average of several.
struct MetricSpec {
  std::string name;                  ///< the tidy column's name
  std::vector<std::string> columns;  ///< ≥ 1 export columns
  std::vector<double> weights;  ///< empty = equal; else one per column, > 0
};

/// One run of the ladder.
struct LadderRun {
  std::string name;              ///< run label, unique
  double N = 0.0;                ///< parameters, > 0
  double flops_per_token = 0.0;  ///< > 0, or 0 = use the FLOP convention
  bool target = false;           ///< a run to forecast, not to fit
  ExportTable table;             ///< its evaluation export
};

/// How to read the exports.
struct LadderOptions {
  /// The metrics to keep (≥ 1).
  std::vector<MetricSpec> metrics;
  /// Tokens seen at the checkpoint; used when the export has the column.
  std::string tokens_column = "throughput/total_tokens";
  /// Optimizer step; D = step × batch when there is no tokens column.
  std::string step_column = "_step";
  /// Tokens per step, read per row when `batch_size` is 0.
  std::string batch_column = "batch_size_in_tokens";
  /// Tokens per step for every run (> 0), or 0 = read `batch_column`.
  double batch_size = 0.0;
  /// C for runs without flops_per_token: "6ND" or another name of
  /// flops.hpp's FLOP conventions.
  std::string flop_convention = "6ND";
  /// An empty metric cell: "error" (default) or "drop" the checkpoint.
  std::string on_missing = "error";

  bool IsValid(std::string* why) const;
};

/// The tidy table: one row per run × checkpoint, runs in the order given.
struct Ladder {
  std::vector<std::string> run;
  std::vector<double> N, D, C, step;
  std::vector<unsigned char> target;
  std::vector<std::string> metric_names;
  std::vector<std::vector<double>> metrics;  ///< per metric, one per row
  /// Checkpoints left out per run (on_missing = "drop"), by run name.
  std::map<std::string, int> dropped;

  int num_rows() const { return static_cast<int>(run.size()); }
  /// A metric's column; throws UnknownName listing the metrics.
  const std::vector<double>& metric(const std::string& name) const;
  /// Distinct run names in row order.
  std::vector<std::string> runs() const;
  /// Row indices of one run, in row order.
  std::vector<int> RowsOf(const std::string& run_name) const;
  /// Throws InvalidArgument unless the columns have one value per row,
  /// runs are contiguous, N, D, C are finite and > 0, and every run has one
  /// N (naming the run and row).
  void Validate() const;
};

/// Reads the exports into a ladder (see the file comment). Throws
/// InvalidArgument / UnknownName naming the run, export, column and
/// line or row; a run with no checkpoints is an error.
Ladder ReadLadder(const std::vector<LadderRun>& runs,
                  const LadderOptions& options);

/// The ladder without the first ceil(fraction · n) checkpoints of each run
/// (n = its checkpoints), as Bhagia et al. 2024 skip the noisy start;
/// target runs are kept whole unless `include_targets`. 0 ≤ fraction < 1.
/// Throws InvalidArgument naming a run left with no checkpoint.
Ladder SkipFirst(const Ladder& ladder, double fraction,
                 bool include_targets = false);

/// Each metric (or only `metrics`) replaced by its trailing moving average
/// over the last `window` checkpoints of the run (the first window − 1
/// checkpoints average those that exist). window ≥ 1.
Ladder Smooth(const Ladder& ladder, int window,
              const std::vector<std::string>& metrics = {});

/// One row per run: N, D, C, step of its last checkpoint and each metric
/// averaged over its last `average` checkpoints (all of them when it has
/// fewer). average ≥ 1.
Ladder FinalCheckpoints(const Ladder& ladder, int average = 1);

/// The shipped OLMo ladder (Bhagia et al. 2024, arXiv:2412.04403; data
/// Apache-2.0, data/olmo_ladder/): 16 ladder runs (190M–1.3B × 1, 2, 5, 10 ×
/// Chinchilla tokens) and the 7B-4T and 13B-5T targets, with the metrics
/// `<task>_bpb` and `<task>_acc` of the eight tasks of OlmoTasks() and
/// `c4_loss`. N is the paper's non-embedding count, C its FLOPs per token
/// × D.
Ladder OlmoLadder();

}  // namespace scalefit::downstream
