/// @file formula.hpp
/// Laws written as a formula string over named parameters and inputs,
/// parsed once into an expression tree that is evaluated for doubles and
/// differentiated exactly (forward-mode Jets), e.g.
///
///   FormulaLawOptions o;
///   o.inputs = {"N", "D"};                // the rest are parameters
///   o.positive = {"E", "A", "B"};         // fitted in log, kept > 0
///   o.linear = {"E", "A", "B"};           // variable projection starts
///   LawPtr law = MakeFormulaLaw("E + A / N^alpha + B / D^beta", o);
///
/// Grammar (Python-like): numbers (1, 0.5, 1e-3), names
/// [A-Za-z_][A-Za-z0-9_]*, + − * /, ^ or ** (power, right-associative,
/// binds tighter than unary minus: -x^2 = −(x²)), parentheses, and the
/// functions exp, log (natural), sqrt, abs, pow(a, b), min(a, b), max(a, b).
///
/// WARNING: min, max and abs have kinks; the derivative is that of the
/// active branch. Keep kinks away from the fitted optimum if you can.
/// WARNING: a parameter declared `linear` must enter as L = Σ_k c_k φ_k(x; θ)
/// (no term free of every linear parameter); MakeFormulaLaw checks this on
/// the expression tree and throws otherwise.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/law.hpp"

namespace scalefit {

/// The most parameters a formula law can have.
inline constexpr int kMaxFormulaParams = 16;
/// Default limits on a formula (FormulaLawOptions::max_length, max_depth).
inline constexpr int kDefaultMaxFormulaLength = 10000;
inline constexpr int kDefaultMaxFormulaDepth = 100;

struct FormulaLawOptions {
  /// The law's name in reports.
  std::string name = "formula";
  /// Parameter names in order. Empty: every name in the formula that is not
  /// an input, in order of first appearance.
  std::vector<std::string> params;
  /// Input names in order. Empty: every name in the formula that is not a
  /// parameter, in order of first appearance. params and inputs cannot both
  /// be empty.
  std::vector<std::string> inputs;
  /// Parameters that must stay > 0; fitted in log (scales such as E, A, B).
  std::vector<std::string> positive;
  /// Parameters that enter linearly with zero offset (see the WARNING).
  std::vector<std::string> linear;
  /// Default bounds (user units) by parameter; see DefaultParamInfo.
  std::map<std::string, std::pair<double, double>> bounds;
  /// Range of the default start grid (user units) by parameter.
  std::map<std::string, std::pair<double, double>> start;
  /// Typical values by parameter (used where nothing better is known).
  std::map<std::string, double> init;
  /// Longest formula accepted, in bytes (a formula in a fit card obeys the
  /// default). Longer ones are refused before parsing.
  int max_length = kDefaultMaxFormulaLength;
  /// Deepest nesting accepted: each parenthesis, function call, unary sign
  /// and `^`/`**` exponent opens a level. Deeper formulas are refused (the
  /// parser is recursive; the limit keeps it far from the stack's end).
  int max_depth = kDefaultMaxFormulaDepth;
};

/// The names (parameters and inputs) a formula uses, in order of first
/// appearance, function names excluded. Throws InvalidArgument for a
/// formula that does not parse (with the 0-based character position), is
/// longer than `max_length` bytes or nests deeper than `max_depth`.
std::vector<std::string> FormulaNames(const std::string& formula,
                                      int max_length = kDefaultMaxFormulaLength,
                                      int max_depth = kDefaultMaxFormulaDepth);

/// A law from a formula string. Throws InvalidArgument when the formula does
/// not parse, UnknownName when it uses a name that is neither a parameter
/// nor an input (or an option names an unknown parameter), and
/// InvalidArgument when a declared parameter or input is not used, a name
/// is both, there are more than kMaxFormulaParams parameters, or a `linear`
/// parameter does not enter linearly.
LawPtr MakeFormulaLaw(const std::string& formula,
                      const FormulaLawOptions& options);

}  // namespace scalefit
