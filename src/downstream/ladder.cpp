// Ladder ingestion and the tidy-table operations (downstream/ladder.hpp).
#include "scalefit/downstream/ladder.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "scalefit/error.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/report.hpp"

namespace scalefit::downstream {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// A CSV cell as a number: "" → NaN (an empty cell); a finite decimal or
// scientific number → its value; anything else → false.
bool ParseCell(const std::string& cell, double* out) {
  const std::string t = Trim(cell);
  if (t.empty()) {
    *out = kNaN;
    return true;
  }
  for (char ch : t) {
    if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' ||
          ch == '-' || ch == '+' || ch == 'e' || ch == 'E'))
      return false;
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || errno == ERANGE || !std::isfinite(v))
    return false;
  *out = v;
  return true;
}

std::string Plural(int n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

int ExportTable::num_rows() const {
  return values.empty() ? static_cast<int>(lines.size())
                        : static_cast<int>(values.front().size());
}

bool ExportTable::HasColumn(const std::string& name) const {
  return std::find(columns.begin(), columns.end(), name) != columns.end();
}

const std::vector<double>& ExportTable::Column(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) {
    std::string all;
    for (const auto& c : columns) all += (all.empty() ? "'" : ", '") + c + "'";
    throw UnknownName(source + ": no column '" + name + "'; columns: " + all);
  }
  return values[it - columns.begin()];
}

std::string ExportTable::Where(int row, const std::string& column) const {
  const std::string at = lines.empty() || row >= static_cast<int>(lines.size())
                             ? "row " + std::to_string(row) + " (0-based)"
                             : "line " + std::to_string(lines[row]);
  return source + ", " + at + ", column '" + column + "'";
}

ExportTable ExportFromCsv(const CsvTable& table) {
  ExportTable t;
  t.source = table.source;
  t.columns = table.columns;
  t.lines = table.lines;
  t.values.assign(table.columns.size(), std::vector<double>(table.rows.size()));
  for (size_t i = 0; i < table.rows.size(); ++i) {
    for (size_t j = 0; j < table.columns.size(); ++j) {
      double v;
      if (!ParseCell(table.rows[i][j], &v)) {
        throw InvalidArgument(
            table.Where(static_cast<int>(i), static_cast<int>(j)) + ": '" +
            table.rows[i][j] + "' is not a number");
      }
      t.values[j][i] = v;
    }
  }
  return t;
}

bool LadderOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (metrics.empty()) return fail("metrics: name at least one metric");
  std::set<std::string> names;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const MetricSpec& m = metrics[i];
    const std::string at = "metrics[" + std::to_string(i) + "]";
    if (m.name.empty()) return fail(at + ": empty name");
    if (!names.insert(m.name).second)
      return fail(at + ": duplicate metric name '" + m.name + "'");
    for (const char* reserved : {"run", "N", "D", "C", "step", "target"})
      if (m.name == reserved)
        return fail(at + ": '" + m.name + "' is a column of the ladder itself");
    if (m.columns.empty()) return fail(at + " ('" + m.name + "'): no columns");
    if (!m.weights.empty() && m.weights.size() != m.columns.size())
      return fail(
          at + " ('" + m.name +
          "'): " + Plural(static_cast<int>(m.weights.size()), "weight") +
          " for " + Plural(static_cast<int>(m.columns.size()), "column"));
    for (size_t c = 0; c < m.weights.size(); ++c)
      if (!std::isfinite(m.weights[c]) || !(m.weights[c] > 0.0))
        return fail(at + " ('" + m.name + "'): the weight of column '" +
                    m.columns[c] + "', " + FormatFull(m.weights[c]) +
                    ", must be finite and > 0");
  }
  if (!std::isfinite(batch_size) || batch_size < 0.0)
    return fail("batch_size must be finite and >= 0, got " +
                FormatFull(batch_size));
  if (on_missing != "error" && on_missing != "drop")
    return fail("on_missing must be 'error' or 'drop', got '" + on_missing +
                "'");
  try {
    FlopModel::FromConvention(flop_convention);
  } catch (const Error& e) {
    return fail(std::string("flop_convention: ") + e.what());
  }
  return true;
}

const std::vector<double>& Ladder::metric(const std::string& name) const {
  for (size_t j = 0; j < metric_names.size(); ++j)
    if (metric_names[j] == name) return metrics[j];
  std::string all;
  for (const auto& m : metric_names)
    all += (all.empty() ? "'" : ", '") + m + "'";
  throw UnknownName("the ladder has no metric '" + name + "'; metrics: " + all);
}

std::vector<std::string> Ladder::runs() const {
  std::vector<std::string> out;
  for (const auto& r : run)
    if (out.empty() || out.back() != r) out.push_back(r);
  return out;
}

std::vector<int> Ladder::RowsOf(const std::string& run_name) const {
  std::vector<int> out;
  for (int i = 0; i < num_rows(); ++i)
    if (run[i] == run_name) out.push_back(i);
  return out;
}

void Ladder::Validate() const {
  const size_t n = run.size();
  auto len = [&](const std::string& what, size_t got) {
    if (got != n)
      throw InvalidArgument("ladder: column '" + what + "' has " +
                            std::to_string(got) + " values for " +
                            std::to_string(n) + " rows");
  };
  len("N", N.size());
  len("D", D.size());
  len("C", C.size());
  len("step", step.size());
  len("target", target.size());
  if (metrics.size() != metric_names.size())
    throw InvalidArgument("ladder: " + std::to_string(metrics.size()) +
                          " metric columns for " +
                          std::to_string(metric_names.size()) + " names");
  for (size_t j = 0; j < metrics.size(); ++j)
    len(metric_names[j], metrics[j].size());
  std::set<std::string> seen;
  for (size_t i = 0; i < n; ++i) {
    const std::string at =
        "ladder row " + std::to_string(i) + " (run '" + run[i] + "')";
    if (i == 0 || run[i] != run[i - 1]) {
      if (!seen.insert(run[i]).second)
        throw InvalidArgument(at + ": the rows of run '" + run[i] +
                              "' are not contiguous");
    } else {
      if (N[i] != N[i - 1])
        throw InvalidArgument(
            at + ": N = " + FormatFull(N[i]) +
            " differs from the run's N = " + FormatFull(N[i - 1]));
      if (target[i] != target[i - 1])
        throw InvalidArgument(at + ": 'target' differs within the run");
    }
    for (const auto& [name, col] :
         {std::pair<const char*, const std::vector<double>*>{"N", &N},
          {"D", &D},
          {"C", &C}}) {
      const double v = (*col)[i];
      if (!std::isfinite(v) || !(v > 0.0))
        throw InvalidArgument(at + ": " + name + " = " + FormatFull(v) +
                              " must be finite and > 0");
    }
  }
}

Ladder ReadLadder(const std::vector<LadderRun>& runs,
                  const LadderOptions& options) {
  std::string why;
  if (!options.IsValid(&why)) throw InvalidArgument("ladder options: " + why);
  if (runs.empty()) throw InvalidArgument("ladder: no runs");
  const FlopModel flops = FlopModel::FromConvention(options.flop_convention);
  Ladder out;
  for (const auto& m : options.metrics) out.metric_names.push_back(m.name);
  out.metrics.resize(options.metrics.size());
  std::set<std::string> names;
  for (size_t r = 0; r < runs.size(); ++r) {
    const LadderRun& run = runs[r];
    const std::string who = "run '" + run.name + "' (" + run.table.source + ")";
    if (run.name.empty())
      throw InvalidArgument("ladder: run " + std::to_string(r) +
                            " has an empty name");
    if (!names.insert(run.name).second)
      throw InvalidArgument("ladder: duplicate run name '" + run.name + "'");
    if (!std::isfinite(run.N) || !(run.N > 0.0))
      throw InvalidArgument(who + ": N = " + FormatFull(run.N) +
                            " must be finite and > 0");
    if (!std::isfinite(run.flops_per_token) || run.flops_per_token < 0.0)
      throw InvalidArgument(
          who + ": flops_per_token = " + FormatFull(run.flops_per_token) +
          " must be finite and >= 0 (0 = the FLOP "
          "convention)");
    const ExportTable& t = run.table;
    for (const auto& col : t.values)
      if (static_cast<int>(col.size()) != t.num_rows())
        throw InvalidArgument(t.source + ": columns of different lengths");
    const int n = t.num_rows();
    if (n == 0)
      throw InvalidArgument(who + ": the export has no checkpoints (no rows)");
    // Tokens per checkpoint.
    std::vector<double> D(n), step(n);
    const bool has_tokens = t.HasColumn(options.tokens_column);
    const bool has_step = t.HasColumn(options.step_column);
    for (int i = 0; i < n; ++i) {
      step[i] = has_step ? t.Column(options.step_column)[i] : i;
      if (has_step && std::isnan(step[i]))
        throw InvalidArgument(t.Where(i, options.step_column) + ": empty cell");
      double d = has_tokens ? t.Column(options.tokens_column)[i] : kNaN;
      if (std::isnan(d)) {
        if (!has_step)
          throw InvalidArgument(
              (has_tokens
                   ? t.Where(i, options.tokens_column) + ": empty cell"
                   : t.source + ": no column '" + options.tokens_column +
                         "' and no column '" + options.step_column + "'") +
              "; the tokens seen need one of them");
        double batch = options.batch_size;
        if (batch == 0.0) {
          if (!t.HasColumn(options.batch_column))
            throw UnknownName(t.source + ": no column '" +
                              options.tokens_column + "' and no column '" +
                              options.batch_column +
                              "'; give batch_size (tokens per step)");
          batch = t.Column(options.batch_column)[i];
          if (std::isnan(batch))
            throw InvalidArgument(t.Where(i, options.batch_column) +
                                  ": empty cell");
        }
        d = step[i] * batch;
      }
      if (!(d > 0.0))
        throw InvalidArgument(t.Where(i, has_tokens ? options.tokens_column
                                                    : options.step_column) +
                              ": tokens seen = " + FormatFull(d) +
                              " must be > 0");
      D[i] = d;
    }
    // Metrics per checkpoint.
    std::vector<std::vector<double>> values(options.metrics.size(),
                                            std::vector<double>(n));
    std::vector<unsigned char> keep(n, 1);
    for (size_t j = 0; j < options.metrics.size(); ++j) {
      const MetricSpec& m = options.metrics[j];
      std::vector<const std::vector<double>*> cols;
      for (const auto& c : m.columns) cols.push_back(&t.Column(c));
      for (int i = 0; i < n; ++i) {
        double num = 0.0, den = 0.0;
        for (size_t c = 0; c < cols.size(); ++c) {
          const double v = (*cols[c])[i];
          if (std::isinf(v))
            throw InvalidArgument(t.Where(i, m.columns[c]) + ": " +
                                  FormatFull(v) + " is not finite (metric '" +
                                  m.name + "')");
          if (std::isnan(v)) {
            if (options.on_missing == "drop") {
              keep[i] = 0;
              break;
            }
            throw InvalidArgument(t.Where(i, m.columns[c]) +
                                  ": empty cell (metric '" + m.name +
                                  "'; on_missing='drop' leaves such "
                                  "checkpoints out)");
          }
          const double w = m.weights.empty() ? 1.0 : m.weights[c];
          num += w * v;
          den += w;
        }
        values[j][i] = num / den;
      }
    }
    std::vector<int> order;
    for (int i = 0; i < n; ++i)
      if (keep[i]) order.push_back(i);
    const int dropped = n - static_cast<int>(order.size());
    if (dropped > 0) out.dropped[run.name] = dropped;
    if (order.empty())
      throw InvalidArgument(who + ": no checkpoint has every metric (" +
                            Plural(n, "checkpoint") +
                            " dropped for empty cells)");
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return D[a] < D[b]; });
    const std::string& d_column =
        has_tokens ? options.tokens_column : options.step_column;
    for (size_t k = 1; k < order.size(); ++k)
      if (D[order[k]] == D[order[k - 1]])
        throw InvalidArgument(
            t.Where(std::max(order[k], order[k - 1]), d_column) +
            ": tokens seen = " + FormatFull(D[order[k]]) +
            " repeats an earlier checkpoint of the run (" +
            t.Where(std::min(order[k], order[k - 1]), d_column) +
            "); each checkpoint needs its own tokens");
    for (int i : order) {
      out.run.push_back(run.name);
      out.N.push_back(run.N);
      out.D.push_back(D[i]);
      out.C.push_back(run.flops_per_token > 0.0 ? run.flops_per_token * D[i]
                                                : flops.Flops(run.N, D[i]));
      out.step.push_back(step[i]);
      out.target.push_back(run.target);
      for (size_t j = 0; j < values.size(); ++j)
        out.metrics[j].push_back(values[j][i]);
    }
  }
  out.Validate();
  return out;
}

namespace {

// A ladder with only the given rows (in that order).
Ladder Select(const Ladder& l, const std::vector<int>& rows) {
  Ladder o;
  o.metric_names = l.metric_names;
  o.metrics.resize(l.metrics.size());
  o.dropped = l.dropped;
  for (int i : rows) {
    o.run.push_back(l.run[i]);
    o.N.push_back(l.N[i]);
    o.D.push_back(l.D[i]);
    o.C.push_back(l.C[i]);
    o.step.push_back(l.step[i]);
    o.target.push_back(l.target[i]);
    for (size_t j = 0; j < l.metrics.size(); ++j)
      o.metrics[j].push_back(l.metrics[j][i]);
  }
  return o;
}

}  // namespace

Ladder SkipFirst(const Ladder& ladder, double fraction, bool include_targets) {
  ladder.Validate();
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw InvalidArgument("skip fraction must be in [0, 1), got " +
                          FormatFull(fraction));
  std::vector<int> rows;
  for (const std::string& r : ladder.runs()) {
    const std::vector<int> of = ladder.RowsOf(r);
    const int n = static_cast<int>(of.size());
    const bool skip = include_targets || !ladder.target[of.front()];
    const int s = skip ? static_cast<int>(std::ceil(fraction * n)) : 0;
    if (s >= n)
      throw InvalidArgument(
          "run '" + r + "': no checkpoints left after skipping the first " +
          FormatShort(100.0 * fraction, 4) + "% (ceil(" +
          FormatShort(fraction, 6) + " x " + Plural(n, "checkpoint") +
          ") = " + std::to_string(s) + ")");
    rows.insert(rows.end(), of.begin() + s, of.end());
  }
  return Select(ladder, rows);
}

Ladder Smooth(const Ladder& ladder, int window,
              const std::vector<std::string>& metrics) {
  ladder.Validate();
  if (window < 1)
    throw InvalidArgument("smoothing window must be >= 1, got " +
                          std::to_string(window));
  for (const auto& m : metrics) ladder.metric(m);  // names must exist
  Ladder o = ladder;
  for (size_t j = 0; j < o.metrics.size(); ++j) {
    if (!metrics.empty() && std::find(metrics.begin(), metrics.end(),
                                      o.metric_names[j]) == metrics.end())
      continue;
    for (const std::string& r : ladder.runs()) {
      const std::vector<int> of = ladder.RowsOf(r);
      for (size_t t = 0; t < of.size(); ++t) {
        const size_t lo =
            t + 1 >= static_cast<size_t>(window) ? t + 1 - window : 0;
        double sum = 0.0;
        for (size_t u = lo; u <= t; ++u) sum += ladder.metrics[j][of[u]];
        o.metrics[j][of[t]] = sum / static_cast<double>(t - lo + 1);
      }
    }
  }
  return o;
}

Ladder FinalCheckpoints(const Ladder& ladder, int average) {
  ladder.Validate();
  if (average < 1)
    throw InvalidArgument("final-checkpoint average must be >= 1, got " +
                          std::to_string(average));
  std::vector<int> last;
  for (const std::string& r : ladder.runs())
    last.push_back(ladder.RowsOf(r).back());
  Ladder o = Select(ladder, last);
  const std::vector<std::string> runs = ladder.runs();
  for (size_t k = 0; k < runs.size(); ++k) {
    const std::vector<int> of = ladder.RowsOf(runs[k]);
    const size_t lo =
        of.size() > static_cast<size_t>(average) ? of.size() - average : 0;
    for (size_t j = 0; j < o.metrics.size(); ++j) {
      double sum = 0.0;
      for (size_t u = lo; u < of.size(); ++u) sum += ladder.metrics[j][of[u]];
      o.metrics[j][k] = sum / static_cast<double>(of.size() - lo);
    }
  }
  return o;
}

}  // namespace scalefit::downstream
