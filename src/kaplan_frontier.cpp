// Kaplan et al. 2020's compute-efficient frontier and critical-batch
// accounting (kaplan_frontier.hpp), on the closed forms of
// laws/kaplan_steps.hpp and laws/critical_batch.hpp.
#include "scalefit/kaplan_frontier.hpp"

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/critical_batch.hpp"
#include "scalefit/laws/kaplan_steps.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

void RequireLaw(const FitResult& r, const std::string& want, bool matches,
                const char* argument) {
  if (!r.law)
    throw InvalidArgument(std::string(argument) + ": the result has no law");
  if (!matches)
    throw InvalidArgument(std::string(argument) + " must be a result of the '" +
                          want + "' law, got '" + r.law->info().name + "'");
}

void RequireBatch(const FitResult& batch) {
  RequireLaw(batch, laws::CriticalBatch::kName,
             batch.law && IsLaw<laws::CriticalBatch>(batch.law->info()),
             "batch");
}

void CheckColumn(const char* fn, const char* name, const std::vector<double>& v,
                 const char* first, size_t n) {
  if (v.size() != n)
    throw InvalidArgument(std::string(fn) + ": column '" + name + "' has " +
                          std::to_string(v.size()) + " values but '" + first +
                          "' has " + std::to_string(n));
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]) || !(v[i] > 0.0))
      throw InvalidArgument(std::string(fn) + ": column '" + name + "', row " +
                            std::to_string(i) +
                            " (0-based) must be finite and > 0, got " +
                            FormatFull(v[i]));
}

// B_crit at each loss, from the law's own Evaluate.
std::vector<double> CriticalBatches(const FitResult& batch,
                                    const std::vector<double>& L) {
  const std::vector<double> p = batch.values();
  std::vector<double> out;
  for (double l : L) {
    const double x[] = {l};
    out.push_back(batch.law->Evaluate(p.data(), x));
  }
  return out;
}

}  // namespace

bool KaplanFrontierOptions::IsValid(std::string* why) const {
  (void)why;
  return true;
}

std::vector<std::string> KaplanFrontierTable::ColumnNames() {
  return {"C_min", "N_opt", "B_crit", "S_min", "tokens_min", "loss"};
}

const std::vector<double>& KaplanFrontierTable::column(
    const std::string& name) const {
  if (name == "C_min") return C_min;
  if (name == "N_opt") return N_opt;
  if (name == "B_crit") return B_crit;
  if (name == "S_min") return S_min;
  if (name == "tokens_min") return tokens_min;
  if (name == "loss") return loss;
  throw UnknownName("unknown column '" + name +
                    "'; columns: C_min, N_opt, B_crit, S_min, tokens_min, "
                    "loss");
}

KaplanFrontierTable KaplanComputeEfficient(const FitResult& steps,
                                           const FitResult& batch,
                                           const std::vector<double>& C_min,
                                           const KaplanFrontierOptions& o) {
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument("kaplan_compute_efficient: invalid options: " + why);
  RequireLaw(steps, laws::KaplanSteps::kName,
             steps.law && IsLaw<laws::KaplanSteps>(steps.law->info()), "steps");
  RequireBatch(batch);
  for (size_t i = 0; i < C_min.size(); ++i)
    if (!std::isfinite(C_min[i]) || !(C_min[i] > 0.0))
      throw InvalidArgument(
          "kaplan_compute_efficient: C_min[" + std::to_string(i) +
          "] must be finite and > 0 (FLOPs), got " + FormatFull(C_min[i]));
  RequireIdentified(steps, o.allow_unidentified);
  RequireIdentified(batch, o.allow_unidentified);
  KaplanFrontierTable t;
  for (const FitResult* r : {&steps, &batch}) {
    const std::string note = UnidentifiedNote(*r);
    if (!note.empty()) t.warning += (t.warning.empty() ? "" : "; ") + note;
  }
  const std::vector<double> s = steps.values(), b = batch.values();
  for (double c : C_min) {
    const KaplanFrontier<double> f =
        KaplanFrontierAtLog(s.data(), b.data(), std::log(c));
    t.C_min.push_back(c);
    t.N_opt.push_back(f.N_opt);
    t.B_crit.push_back(f.B_crit);
    t.S_min.push_back(f.S_min);
    t.tokens_min.push_back(f.tokens_min);
    t.loss.push_back(f.loss);
  }
  const KaplanFrontier<double> f0 =
      KaplanFrontierAtLog(s.data(), b.data(), 0.0);
  t.alpha_C = f0.alpha_C;
  t.C_c = std::exp(f0.log_C_c);
  t.p_N = f0.p_N;
  t.p_B = f0.p_B;
  t.p_S = f0.p_S;
  t.convergence_factor = s[1] / s[3];
  return t;
}

std::string KaplanFrontierTable::BriefReport() const {
  std::ostringstream os;
  os << "KaplanFrontier(N_opt ~ C_min^" << FormatShort(p_N, 4) << ", B_crit ~ "
     << "C_min^" << FormatShort(p_B, 4) << ", S_min ~ C_min^"
     << FormatShort(p_S, 4) << ", alpha_C=" << FormatShort(alpha_C, 4) << ", "
     << num_rows() << " budgets)";
  return os.str();
}

std::string KaplanFrontierTable::FullReport() const {
  std::ostringstream os;
  os << "Kaplan et al. 2020 compute-efficient frontier (App. B.2): minimise "
        "L(N, S_min) at C_min = 6 N B_crit(L) S_min\n";
  os << "alpha_C = 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) = "
     << FormatFull(alpha_C)
     << ";  L = (C_c/C_min)^alpha_C, C_c = " << FormatFull(C_c) << " FLOPs\n";
  os << "N_opt ~ C_min^" << FormatFull(p_N) << ", B_crit ~ C_min^"
     << FormatFull(p_B) << ", S_min ~ C_min^" << FormatFull(p_S)
     << ";  trains to (1 + " << FormatFull(convergence_factor)
     << ") x the converged loss\n";
  if (!warning.empty()) os << "WARNING: " << warning << "\n";
  os << "C_min (FLOPs), N_opt, B_crit (tokens), S_min (steps), tokens_min, "
        "loss:\n";
  for (int i = 0; i < num_rows(); ++i)
    os << "  " << FormatFull(C_min[i]) << "  " << FormatFull(N_opt[i]) << "  "
       << FormatFull(B_crit[i]) << "  " << FormatFull(S_min[i]) << "  "
       << FormatFull(tokens_min[i]) << "  " << FormatFull(loss[i]) << "\n";
  return os.str();
}

namespace {

// The column checks and the per-row loop of MinimumSteps and MinimumCompute:
// `at(x_i, B_i, B_crit(L_i))` on every row, `x` named `x_name` (S or C).
template <typename At>
std::vector<double> PerRowAtCriticalBatch(const char* what,
                                          const FitResult& batch,
                                          const char* x_name,
                                          const std::vector<double>& x,
                                          const std::vector<double>& B,
                                          const std::vector<double>& L, At at) {
  RequireBatch(batch);
  CheckColumn(what, x_name, x, x_name, x.size());
  CheckColumn(what, "B", B, x_name, x.size());
  CheckColumn(what, "L", L, x_name, x.size());
  const std::vector<double> bc = CriticalBatches(batch, L);
  std::vector<double> out;
  out.reserve(x.size());
  for (size_t i = 0; i < x.size(); ++i) out.push_back(at(x[i], B[i], bc[i]));
  return out;
}

}  // namespace

std::vector<double> MinimumSteps(const FitResult& batch,
                                 const std::vector<double>& S,
                                 const std::vector<double>& B,
                                 const std::vector<double>& L) {
  return PerRowAtCriticalBatch(
      "minimum_steps", batch, "S", S, B, L,
      [](double s, double b, double bc) { return MinimumStepsAt(s, b, bc); });
}

std::vector<double> MinimumCompute(const FitResult& batch,
                                   const std::vector<double>& C,
                                   const std::vector<double>& B,
                                   const std::vector<double>& L) {
  return PerRowAtCriticalBatch(
      "minimum_compute", batch, "C", C, B, L,
      [](double c, double b, double bc) { return MinimumComputeAt(c, b, bc); });
}

}  // namespace scalefit
