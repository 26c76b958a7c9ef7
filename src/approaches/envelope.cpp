// Approach 1: the envelope of training curves (EnvelopeFit, approaches.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "approaches/approaches_internal.hpp"
#include "scalefit/detail/stats.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

bool EnvelopeOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (num_bins < 2) return fail("num_bins must be >= 2");
  if (!std::isfinite(k) || !(k > 0.0)) return fail("k must be finite and > 0");
  return true;
}

int EnvelopeResult::num_used() const {
  int n = 0;
  for (const auto& p : points) n += p.used;
  return n;
}

EnvelopeResult EnvelopeFit(const Checkpoints& data, const EnvelopeOptions& o) {
  const char* fn = "envelope_fit";
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument(std::string(fn) + ": invalid options: " + why);
  const size_t n = data.loss.size();
  if (n == 0) throw InvalidArgument("envelope_fit: no checkpoints");
  detail::CheckLength(fn, "run", data.run.size(), n);
  detail::CheckLength(fn, "N", data.N.size(), n);
  detail::CheckLength(fn, "tokens", data.tokens.size(), n);
  detail::CheckColumn(fn, "N", data.N);
  detail::CheckColumn(fn, "tokens", data.tokens);
  detail::CheckColumn(fn, "loss", data.loss);

  struct Run {
    std::int64_t id;
    double N;
    std::vector<double> lnC, loss;
  };
  std::map<std::int64_t, std::vector<int>> by_run;
  for (size_t i = 0; i < n; ++i)
    by_run[data.run[i]].push_back(static_cast<int>(i));
  if (by_run.size() < 2)
    throw InvalidArgument(
        "envelope_fit: need checkpoints of at least 2 runs, "
        "got " +
        std::to_string(by_run.size()));
  std::vector<Run> runs;
  double lo = kInf, hi = -kInf;
  for (auto& [id, rows] : by_run) {
    Run run;
    run.id = id;
    run.N = data.N[rows[0]];
    for (int i : rows) {
      if (std::abs(data.N[i] - run.N) > 1e-9 * run.N)
        throw InvalidArgument(
            "envelope_fit: run " + std::to_string(id) + " changes N: row " +
            std::to_string(rows[0]) + " has N = " + FormatFull(run.N) +
            ", row " + std::to_string(i) + " has N = " + FormatFull(data.N[i]));
    }
    std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) {
      return data.tokens[a] < data.tokens[b];
    });
    for (size_t j = 0; j < rows.size(); ++j) {
      const int i = rows[j];
      if (j > 0 && data.tokens[i] == data.tokens[rows[j - 1]])
        throw InvalidArgument(
            "envelope_fit: run " + std::to_string(id) +
            " has two checkpoints at tokens = " + FormatFull(data.tokens[i]) +
            " (rows " + std::to_string(rows[j - 1]) + " and " +
            std::to_string(i) + ")");
      const double c = o.k * run.N * data.tokens[i];
      if (!std::isfinite(c))
        throw InvalidArgument("envelope_fit: FLOPs of row " +
                              std::to_string(i) + " overflow");
      run.lnC.push_back(std::log(c));
      run.loss.push_back(data.loss[i]);
    }
    lo = std::min(lo, run.lnC.front());
    hi = std::max(hi, run.lnC.back());
    runs.push_back(std::move(run));
  }
  if (!(hi > lo))
    throw InvalidArgument(
        "envelope_fit: all checkpoints are at one FLOP "
        "value; the envelope needs a range");

  EnvelopeResult r;
  r.options = o;
  r.num_runs = static_cast<int>(runs.size());
  r.num_checkpoints = static_cast<int>(n);
  int num_edge = 0, num_empty = 0;
  for (int g = 0; g < o.num_bins; ++g) {
    const double t = static_cast<double>(g) / (o.num_bins - 1);
    const double lc = g == o.num_bins - 1 ? hi : lo + t * (hi - lo);
    EnvelopePoint p;
    p.C = std::exp(lc);
    double best = kInf, best_N = 0.0, n_min = kInf, n_max = 0.0;
    std::int64_t best_id = 0;
    for (const Run& run : runs) {
      const double eps = 1e-12 * (1.0 + std::abs(lc));
      if (lc < run.lnC.front() - eps || lc > run.lnC.back() + eps) continue;
      double L;
      if (run.lnC.size() == 1) {
        L = run.loss[0];
      } else {
        size_t j = std::upper_bound(run.lnC.begin(), run.lnC.end(), lc) -
                   run.lnC.begin();
        j = std::clamp<size_t>(j, 1, run.lnC.size() - 1);
        const double u = std::clamp(
            (lc - run.lnC[j - 1]) / (run.lnC[j] - run.lnC[j - 1]), 0.0, 1.0);
        L = run.loss[j - 1] + u * (run.loss[j] - run.loss[j - 1]);
      }
      ++p.num_runs;
      n_min = std::min(n_min, run.N);
      n_max = std::max(n_max, run.N);
      if (L < best) {
        best = L;
        best_N = run.N;
        best_id = run.id;
      }
    }
    if (p.num_runs == 0) {  // a gap between runs' FLOP ranges
      ++num_empty;
      continue;
    }
    p.loss = best;
    p.N_opt = best_N;
    p.D_opt = p.C / (o.k * best_N);
    p.run = best_id;
    p.edge = p.num_runs < 2 || best_N <= n_min * (1.0 + 1e-12) ||
             best_N >= n_max * (1.0 - 1e-12);
    p.used = !p.edge || o.keep_edge;
    num_edge += p.edge;
    r.points.push_back(p);
  }
  std::vector<double> uC, uN, uD;
  for (const auto& p : r.points) {
    if (!p.used) continue;
    uC.push_back(p.C);
    uN.push_back(p.N_opt);
    uD.push_back(p.D_opt);
  }
  if (num_edge > 0)
    r.notes.push_back(
        std::to_string(num_edge) + " of " + std::to_string(r.points.size()) +
        " FLOP values are won by the smallest or largest model covering "
        "them (the optimum may lie outside the sizes trained); " +
        (o.keep_edge ? "kept (keep_edge)" : "left out"));
  if (num_empty > 0)
    r.notes.push_back(std::to_string(num_empty) +
                      " FLOP values are covered by no run; skipped");
  if (uC.size() < 2 || detail::CountDistinct(uN) < 2) {
    throw InvalidArgument(
        "envelope_fit: only " + std::to_string(uC.size()) +
        " FLOP values have an optimum inside the sizes trained (with " +
        std::to_string(detail::CountDistinct(uN)) +
        " distinct N_opt); the power laws need at least 2 distinct model "
        "sizes on the envelope. Train more sizes or set keep_edge");
  }
  r.n_opt = detail::MakePowerLaw(uC, uN);
  r.d_opt = detail::MakePowerLaw(uC, uD);
  return r;
}

std::string EnvelopeResult::BriefReport() const {
  std::ostringstream os;
  os << "EnvelopeResult(a=" << FormatShort(a(), 4)
     << ", b=" << FormatShort(b(), 4) << ", " << num_used() << "/"
     << points.size() << " FLOP values used, " << num_runs << " runs)";
  return os.str();
}

std::string EnvelopeResult::FullReport() const {
  std::ostringstream os;
  os << "Approach 1 (envelope of training curves), Hoffmann et al. 2022 "
        "§3.1\n";
  os << "runs: " << num_runs << ", checkpoints: " << num_checkpoints
     << ", FLOPs C = " << FormatShort(options.k) << " * N * tokens\n";
  os << "FLOP values: " << points.size()
     << " (log-spaced), used: " << num_used() << "\n\n";
  os << "N_opt = " << FormatShort(n_opt.coefficient)
     << " * C^a, a = " << FormatShort(n_opt.exponent)
     << "  R^2 (log) = " << FormatShort(n_opt.r2) << "\n";
  os << "D_opt = " << FormatShort(d_opt.coefficient)
     << " * C^b, b = " << FormatShort(d_opt.exponent)
     << "  R^2 (log) = " << FormatShort(d_opt.r2) << "\n\n";
  os << "envelope (C, loss, N_opt, D_opt, run, runs covering, edge, used):\n";
  for (const auto& p : points) {
    os << "  C=" << FormatShort(p.C) << "  L=" << FormatShort(p.loss)
       << "  N_opt=" << FormatShort(p.N_opt)
       << "  D_opt=" << FormatShort(p.D_opt) << "  run=" << p.run
       << "  runs=" << p.num_runs << "  edge=" << (p.edge ? "YES" : "no")
       << "  used=" << (p.used ? "yes" : "no") << "\n";
  }
  if (!notes.empty()) {
    os << "notes:\n";
    for (const auto& s : notes) os << "  - " << s << "\n";
  }
  return os.str();
}

}  // namespace scalefit
