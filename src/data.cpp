#include "scalefit/data.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <utility>

#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/stats.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"

namespace scalefit {
namespace {

std::string Describe(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

void CheckFinite(const std::string& column, int row, double v) {
  if (!std::isfinite(v)) {
    throw InvalidArgument("column '" + column + "', row " +
                          std::to_string(row) + " (0-based): value " +
                          Describe(v) + "; " + column + " must be finite");
  }
}

void CheckPositiveFinite(const std::string& column, int row, double v) {
  if (!std::isfinite(v) || !(v > 0.0)) {
    throw InvalidArgument("column '" + column + "', row " +
                          std::to_string(row) + " (0-based): value " +
                          Describe(v) + "; " + column +
                          " must be finite and > 0");
  }
}

// Whether two of the (well-mixed) 64-bit hashes are equal: the hashes are
// bucketed by their top bits (about 256 to a bucket, one counting pass), and
// each bucket's are put in a small open-addressing table indexed by their
// low bits (linear probing, at most half full, 0 marking an empty slot).
// Each bucket's table stays in cache: a few times faster than sorting a
// million hashes. The low bit is set on every stored hash, so two hashes
// that differ only there count as repeated: a false alarm costs only the
// exact comparison that follows.
bool AnyRepeated(const std::vector<std::uint64_t>& hashes) {
  const size_t n = hashes.size();
  int bits = 0;
  while (bits < 24 && (n >> bits) > 256) ++bits;
  const size_t buckets = size_t{1} << bits;
  auto bucket = [bits](std::uint64_t h) {
    return bits == 0 ? size_t{0} : static_cast<size_t>(h >> (64 - bits));
  };
  std::vector<size_t> start(buckets + 1, 0);
  for (std::uint64_t h : hashes) ++start[bucket(h) + 1];
  for (size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  std::vector<std::uint64_t> sorted(n);
  {
    std::vector<size_t> at(start.begin(), start.end() - 1);
    for (std::uint64_t h : hashes) sorted[at[bucket(h)]++] = h;
  }
  std::vector<std::uint64_t> table;
  for (size_t b = 0; b < buckets; ++b) {
    size_t slots = 16;
    while (slots < 2 * (start[b + 1] - start[b])) slots *= 2;
    table.assign(slots, 0);
    const size_t mask = slots - 1;
    for (size_t i = start[b]; i < start[b + 1]; ++i) {
      const std::uint64_t h = sorted[i] | 1;
      for (size_t s = h & mask;; s = (s + 1) & mask) {
        if (table[s] == 0) {
          table[s] = h;
          break;
        }
        if (table[s] == h) return true;
      }
    }
  }
  return false;
}

// Exact duplicate rows (every input and the loss equal, bit for bit) are
// almost always a copy-paste error in a hand-assembled table: each copy
// counts as another run in the fit. Warns (scalefit logger) naming the first
// pair; does nothing when a value is not finite (validation reports those).
void WarnDuplicateRows(const Observations& obs) {
  const int n = obs.num_rows();
  const int k = obs.num_inputs();
  if (obs.x.size() != static_cast<size_t>(n) * k) return;
  for (double v : obs.x)
    if (!std::isfinite(v)) return;
  for (double v : obs.loss)
    if (!std::isfinite(v)) return;
  auto value = [&](int i, int j) {
    return j < k ? obs.x[i * k + j] : obs.loss[i];
  };
  {
    // Equal rows have equal hashes (±0 hashed alike, as == has them): when
    // no two rows' hashes agree there is no duplicate, and no row has to be
    // compared (one pass over integers instead of a sort of rows: large
    // tables).
    std::vector<std::uint64_t> hashes(n);
    for (int i = 0; i < n; ++i) {
      std::uint64_t h = 0x9e3779b97f4a7c15ULL;
      for (int j = 0; j <= k; ++j) {
        const double v = value(i, j);
        std::uint64_t bits = 0;
        if (v != 0.0) std::memcpy(&bits, &v, sizeof bits);
        h ^= bits + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h ^= h >> 31;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
      }
      hashes[i] = h;
    }
    if (!AnyRepeated(hashes)) return;
  }
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    for (int j = 0; j <= k; ++j) {
      if (value(a, j) != value(b, j)) return value(a, j) < value(b, j);
    }
    return a < b;
  });
  int count = 0, first = -1, repeat = -1, group_start = 0;
  for (int t = 1; t < n; ++t) {
    bool same = true;
    for (int j = 0; j <= k && same; ++j)
      same = value(order[t], j) == value(order[t - 1], j);
    if (!same) {
      group_start = t;
      continue;
    }
    ++count;
    if (repeat < 0 || order[t] < repeat) {
      repeat = order[t];
      first = order[group_start];
    }
  }
  if (count == 0) return;
  Warn(fmt::format(
      "{} duplicate row(s): row {} repeats row {} (0-based; every input and "
      "the loss are identical), so that run counts twice in the fit; remove "
      "the copies, or use weights if the repetition is intended",
      count, repeat, first));
}

}  // namespace

Observations MakeObservations(
    const std::vector<std::string>& input_names,
    const std::map<std::string, std::vector<double>>& columns,
    const std::vector<double>& loss, const std::vector<double>& weights,
    const std::vector<std::int64_t>& groups) {
  for (const auto& [name, values] : columns) {
    if (std::find(input_names.begin(), input_names.end(), name) ==
        input_names.end()) {
      std::string valid;
      for (const auto& n : input_names)
        valid += (valid.empty() ? "" : ", ") + n;
      throw UnknownName("unknown input column '" + name +
                        "'; this law's inputs are: " + valid);
    }
  }
  Observations obs;
  obs.input_names = input_names;
  const size_t n = loss.size();
  for (const auto& name : input_names) {
    auto it = columns.find(name);
    if (it == columns.end()) {
      throw InvalidArgument("missing input column '" + name + "'");
    }
    if (it->second.size() != n) {
      throw InvalidArgument("length mismatch: input column '" + name +
                            "' has " + std::to_string(it->second.size()) +
                            " rows but 'loss' has " + std::to_string(n));
    }
  }
  const size_t k = input_names.size();
  obs.x.resize(n * k);
  for (size_t j = 0; j < k; ++j) {
    const auto& col = columns.at(input_names[j]);
    for (size_t i = 0; i < n; ++i) obs.x[i * k + j] = col[i];
  }
  obs.loss = loss;
  if (!weights.empty() && weights.size() != n) {
    throw InvalidArgument("length mismatch: 'weights' has " +
                          std::to_string(weights.size()) +
                          " rows but 'loss' has " + std::to_string(n));
  }
  obs.weights = weights;
  if (!groups.empty() && groups.size() != n) {
    throw InvalidArgument("length mismatch: 'groups' has " +
                          std::to_string(groups.size()) +
                          " rows but 'loss' has " + std::to_string(n));
  }
  obs.groups = groups;
  WarnDuplicateRows(obs);
  return obs;
}

void ValidateObservations(const Observations& obs, int min_rows,
                          bool positive_data) {
  const int n = obs.num_rows();
  const int k = obs.num_inputs();
  if (obs.x.size() != static_cast<size_t>(n) * k) {
    throw InvalidArgument("inputs hold " + std::to_string(obs.x.size()) +
                          " values, expected rows × inputs = " +
                          std::to_string(n) + " × " + std::to_string(k));
  }
  if (n == 0) throw InvalidArgument("no data: 0 rows");
  if (n < min_rows) {
    throw InvalidArgument("too few points: " + std::to_string(n) +
                          " rows, but fitting needs "
                          "at least free parameters + 1 = " +
                          std::to_string(min_rows));
  }
  if (!obs.weights.empty() && obs.weights.size() != static_cast<size_t>(n)) {
    throw InvalidArgument("length mismatch: 'weights' has " +
                          std::to_string(obs.weights.size()) +
                          " rows but 'loss' has " + std::to_string(n));
  }
  if (!obs.groups.empty() && obs.groups.size() != static_cast<size_t>(n)) {
    throw InvalidArgument("length mismatch: 'groups' has " +
                          std::to_string(obs.groups.size()) +
                          " rows but 'loss' has " + std::to_string(n));
  }
  if (!obs.compute.empty() && obs.compute.size() != static_cast<size_t>(n)) {
    throw InvalidArgument("length mismatch: 'C' (reported compute) has " +
                          std::to_string(obs.compute.size()) +
                          " rows but 'loss' has " + std::to_string(n));
  }
  for (size_t i = 0; i < obs.compute.size(); ++i)
    CheckPositiveFinite("C", static_cast<int>(i), obs.compute[i]);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < k; ++j) {
      if (positive_data) {
        CheckPositiveFinite(obs.input_names[j], i, obs.x[i * k + j]);
      } else {
        CheckFinite(obs.input_names[j], i, obs.x[i * k + j]);
      }
    }
    if (positive_data) {
      CheckPositiveFinite("loss", i, obs.loss[i]);
    } else {
      CheckFinite("loss", i, obs.loss[i]);
    }
    if (!obs.weights.empty()) CheckPositiveFinite("weights", i, obs.weights[i]);
  }
}

double ParseUnit(const std::string& name, const std::string& unit) {
  static const std::pair<const char*, double> kNamed[] = {
      {"K", 1e3},
      {"M", 1e6},
      {"B", 1e9},
      {"T", 1e12},
      {"PF-day", flops::kFlopsPerPetaflopDay}};
  for (const auto& [n, f] : kNamed)
    if (unit == n) return f;
  double v = std::nan("");
  try {
    size_t used = 0;
    v = std::stod(unit, &used);
    if (used != unit.size()) v = std::nan("");
  } catch (const std::exception&) {
  }
  if (!std::isfinite(v) || !(v > 0.0)) {
    throw InvalidArgument(
        "units for '" + name + "': '" + unit +
        "' is not a unit; use a factor (e.g. 1e6 for millions) or K, M, B, "
        "T (1e3, 1e6, 1e9, 1e12) or PF-day (8.64e19 FLOPs)");
  }
  return v;
}

void ConvertUnits(Observations* obs,
                  const std::map<std::string, double>& units) {
  if (units.empty()) return;
  if (!obs->units.empty())
    throw InvalidArgument(
        "units: these observations were already converted to plain counts");
  const int k = obs->num_inputs();
  for (const auto& [name, factor] : units) {
    if (!std::isfinite(factor) || !(factor > 0.0))
      throw InvalidArgument("units for '" + name +
                            "' must be finite and > 0 (got " +
                            Describe(factor) + ")");
    if (const int j = obs->input_index(name); j >= 0) {
      for (int i = 0; i < obs->num_rows(); ++i) obs->x[i * k + j] *= factor;
    } else if (name == "C" && !obs->compute.empty()) {
      for (double& c : obs->compute) c *= factor;
    } else {
      std::string names;
      for (const auto& n : obs->input_names)
        names += (names.empty() ? "" : ", ") + n;
      throw UnknownName("units: '" + name + "' is not an input (" + names +
                        (obs->compute.empty() ? "" : ", or C") + ")");
    }
  }
  obs->units = units;
}

int Observations::input_index(const std::string& name) const {
  const auto it = std::find(input_names.begin(), input_names.end(), name);
  return it == input_names.end() ? -1
                                 : static_cast<int>(it - input_names.begin());
}

std::vector<double> ComputeFromND(const Observations& obs,
                                  const FlopModel& flops) {
  const int iN = obs.input_index("N"), iD = obs.input_index("D");
  std::vector<double> c;
  if (iN < 0 || iD < 0 || flops.is_of_fit()) return c;
  const int n = obs.num_rows(), k = obs.num_inputs();
  c.resize(n);
  for (int i = 0; i < n; ++i)
    c[i] = flops.Flops(obs.x[i * k + iN], obs.x[i * k + iD]);
  return c;
}

std::vector<double> RunCompute(const Observations& obs, const FlopModel* flops,
                               std::string* source) {
  const int n = obs.num_rows(), k = obs.num_inputs();
  std::vector<double> c;
  const int iC = obs.input_index("C");
  if (!obs.compute.empty()) {
    c = obs.compute;
    if (source) *source = "C column";
  } else if (iC >= 0) {
    for (int i = 0; i < n; ++i) c.push_back(obs.x[i * k + iC]);
    if (source) *source = "C input";
  } else {
    if (flops != nullptr) c = ComputeFromND(obs, *flops);
    if (source) *source = c.empty() ? std::string() : flops->name();
  }
  return c;
}

namespace {

// FNV-1a (64-bit) over the bytes of the inputs, losses and weights: the
// data hash of DataSummary.
std::uint64_t HashRows(const Observations& obs) {
  std::uint64_t h = 1469598103934665603ULL;
  auto feed = [&h](const std::vector<double>& v) {
    for (double d : v) {
      unsigned char b[sizeof(double)];
      std::memcpy(b, &d, sizeof d);
      for (unsigned char c : b) {
        h ^= c;
        h *= 1099511628211ULL;
      }
    }
  };
  feed(obs.x);
  feed(obs.loss);
  feed(obs.weights);
  return h;
}

}  // namespace

DataSummary Summarize(const Observations& obs, const FlopModel* flops,
                      int threads) {
  DataSummary s;
  s.num_rows = obs.num_rows();
  s.input_names = obs.input_names;
  const int n = obs.num_rows();
  const int k = obs.num_inputs();
  s.min.assign(k, 0.0);
  s.max.assign(k, 0.0);
  s.num_distinct.assign(k, 0);
  // One item for the hash (below) and one per input, each writing its own
  // fields: the same summary on any number of threads. The hash, one serial
  // pass over every byte, goes first: the other threads count the inputs.
  detail::ParallelFor(
      k + 1, detail::WorkerThreads(threads, 2.0 * (k + 1) * n),
      [&](int, int item) {
        if (item == 0) {
          s.hash = HashRows(obs);
          return;
        }
        const int j = item - 1;
        std::vector<double> col(n);
        for (int i = 0; i < n; ++i) col[i] = obs.x[i * k + j];
        s.min[j] = n ? *std::min_element(col.begin(), col.end()) : 0.0;
        s.max[j] = n ? *std::max_element(col.begin(), col.end()) : 0.0;
        s.num_distinct[j] = detail::CountDistinct(std::move(col));
      });
  if (n) {
    s.loss_min = *std::min_element(obs.loss.begin(), obs.loss.end());
    s.loss_max = *std::max_element(obs.loss.begin(), obs.loss.end());
  }
  const std::vector<double> c = RunCompute(obs, flops, &s.compute_source);
  if (!c.empty()) {
    s.compute_min = *std::min_element(c.begin(), c.end());
    s.compute_max = *std::max_element(c.begin(), c.end());
  }
  return s;
}

std::string FormatHash(std::uint64_t hash) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016" PRIx64, hash);
  return buf;
}

}  // namespace scalefit
