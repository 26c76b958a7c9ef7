// Formula-string laws (formula.hpp): a recursive-descent parser into a flat
// expression tree, evaluated for doubles and for Jets (exact gradients).
#include "scalefit/formula.hpp"

#include <ceres/jet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <set>
#include <utility>

#include "scalefit/error.hpp"
#include "scalefit/runtime_law.hpp"

namespace scalefit {

namespace {

enum class Op {
  kConst,
  kName,
  kParam,
  kInput,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kNeg,
  kExp,
  kLog,
  kSqrt,
  kAbs,
  kMin,
  kMax,
};

struct Node {
  Op op;
  double value = 0.0;  // kConst
  int index = -1;      // kParam / kInput: position; kName: into names
  int a = -1, b = -1;  // children
  size_t pos = 0;      // character position (errors)
};

struct Tree {
  std::vector<Node> nodes;
  std::vector<std::string> names;  // distinct names in order of appearance
  int root = -1;
};

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Tree Parse() {
    SkipSpace();
    if (i_ >= s_.size()) Fail("the formula is empty");
    tree_.root = Expr();
    SkipSpace();
    if (i_ < s_.size()) Fail("unexpected '" + std::string(1, s_[i_]) + "'");
    return std::move(tree_);
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { FailAt(what, i_); }
  [[noreturn]] void FailAt(const std::string& what, size_t at) const {
    throw InvalidArgument("formula does not parse: " + what + " at position " +
                          std::to_string(at) + " (0-based):\n  " + s_ + "\n  " +
                          std::string(at, ' ') + "^");
  }

  void SkipSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }
  bool Accept(const char* tok) {
    SkipSpace();
    const size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(i_, n, tok) == 0) {
      // "*" must not swallow the first half of "**".
      if (n == 1 && tok[0] == '*' && s_.compare(i_, 2, "**") == 0) return false;
      i_ += n;
      return true;
    }
    return false;
  }
  int Add(Node n) {
    tree_.nodes.push_back(n);
    return static_cast<int>(tree_.nodes.size()) - 1;
  }
  int Binary(Op op, int a, int b, size_t pos) {
    Node n{op};
    n.a = a;
    n.b = b;
    n.pos = pos;
    return Add(n);
  }

  int Expr() {
    int left = Term();
    for (;;) {
      const size_t pos = (SkipSpace(), i_);
      if (Accept("+")) {
        left = Binary(Op::kAdd, left, Term(), pos);
      } else if (Accept("-")) {
        left = Binary(Op::kSub, left, Term(), pos);
      } else {
        return left;
      }
    }
  }
  int Term() {
    int left = Unary();
    for (;;) {
      const size_t pos = (SkipSpace(), i_);
      if (Accept("*")) {
        left = Binary(Op::kMul, left, Unary(), pos);
      } else if (Accept("/")) {
        left = Binary(Op::kDiv, left, Unary(), pos);
      } else {
        return left;
      }
    }
  }
  int Unary() {
    const size_t pos = (SkipSpace(), i_);
    if (Accept("-")) return Binary(Op::kNeg, Unary(), -1, pos);
    if (Accept("+")) return Unary();
    return Power();
  }
  int Power() {
    const int base = Primary();
    const size_t pos = (SkipSpace(), i_);
    if (Accept("**") || Accept("^"))
      return Binary(Op::kPow, base, Unary(), pos);
    return base;
  }
  int Primary() {
    SkipSpace();
    if (i_ >= s_.size()) Fail("unexpected end of formula");
    const size_t pos = i_;
    const char c = s_[i_];
    if (c == '(') {
      ++i_;
      const int e = Expr();
      if (!Accept(")"))
        Fail("expected ')' to close the '(' at position " +
             std::to_string(pos));
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = s_.c_str() + i_;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin) Fail("bad number");
      i_ += static_cast<size_t>(end - begin);
      if (!std::isfinite(v)) FailAt("number out of range", pos);
      Node n{Op::kConst};
      n.value = v;
      n.pos = pos;
      return Add(n);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i_;
      while (j < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_'))
        ++j;
      const std::string name = s_.substr(i_, j - i_);
      i_ = j;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == '(') return Call(name, pos);
      if (IsFunction(name))
        FailAt("function '" + name + "' needs arguments in parentheses", pos);
      auto it = std::find(tree_.names.begin(), tree_.names.end(), name);
      if (it == tree_.names.end()) {
        tree_.names.push_back(name);
        it = tree_.names.end() - 1;
      }
      Node n{Op::kName};
      n.index = static_cast<int>(it - tree_.names.begin());
      n.pos = pos;
      return Add(n);
    }
    Fail("unexpected '" + std::string(1, c) + "'");
  }

  static bool IsFunction(const std::string& f) {
    return f == "exp" || f == "log" || f == "sqrt" || f == "abs" ||
           f == "pow" || f == "min" || f == "max";
  }

  int Call(const std::string& f, size_t pos) {
    ++i_;  // '('
    std::vector<int> args;
    SkipSpace();
    if (!(i_ < s_.size() && s_[i_] == ')')) {
      args.push_back(Expr());
      while (Accept(",")) args.push_back(Expr());
    }
    if (!Accept(")")) Fail("expected ')' or ',' in the call of '" + f + "'");
    auto want = [&](size_t k) {
      if (args.size() != k)
        FailAt("function '" + f + "' takes " + std::to_string(k) +
                   " argument(s), got " + std::to_string(args.size()),
               pos);
    };
    Op op;
    if (f == "exp") {
      want(1);
      op = Op::kExp;
    } else if (f == "log") {
      want(1);
      op = Op::kLog;
    } else if (f == "sqrt") {
      want(1);
      op = Op::kSqrt;
    } else if (f == "abs") {
      want(1);
      op = Op::kAbs;
    } else if (f == "pow") {
      want(2);
      op = Op::kPow;
    } else if (f == "min") {
      want(2);
      op = Op::kMin;
    } else if (f == "max") {
      want(2);
      op = Op::kMax;
    } else {
      FailAt("unknown function '" + f +
                 "' (known: exp, log, sqrt, abs, pow, min, max)",
             pos);
    }
    return Binary(op, args[0], args.size() > 1 ? args[1] : -1, pos);
  }

  const std::string& s_;
  size_t i_ = 0;
  Tree tree_;
};

template <typename T>
T EvalNode(const std::vector<Node>& nodes, int id, const T* p,
           const double* x) {
  using std::abs;
  using std::exp;
  using std::log;
  using std::pow;
  using std::sqrt;
  const Node& n = nodes[id];
  switch (n.op) {
    case Op::kConst:
      return T(n.value);
    case Op::kParam:
      return p[n.index];
    case Op::kInput:
      return T(x[n.index]);
    case Op::kAdd:
      return EvalNode(nodes, n.a, p, x) + EvalNode(nodes, n.b, p, x);
    case Op::kSub:
      return EvalNode(nodes, n.a, p, x) - EvalNode(nodes, n.b, p, x);
    case Op::kMul:
      return EvalNode(nodes, n.a, p, x) * EvalNode(nodes, n.b, p, x);
    case Op::kDiv:
      return EvalNode(nodes, n.a, p, x) / EvalNode(nodes, n.b, p, x);
    case Op::kPow: {
      const T base = EvalNode(nodes, n.a, p, x);
      if (nodes[n.b].op == Op::kConst) return pow(base, nodes[n.b].value);
      return pow(base, EvalNode(nodes, n.b, p, x));
    }
    case Op::kNeg:
      return -EvalNode(nodes, n.a, p, x);
    case Op::kExp:
      return exp(EvalNode(nodes, n.a, p, x));
    case Op::kLog:
      return log(EvalNode(nodes, n.a, p, x));
    case Op::kSqrt:
      return sqrt(EvalNode(nodes, n.a, p, x));
    case Op::kAbs:
      return abs(EvalNode(nodes, n.a, p, x));
    case Op::kMin: {
      const T a = EvalNode(nodes, n.a, p, x), b = EvalNode(nodes, n.b, p, x);
      return b < a ? b : a;
    }
    case Op::kMax: {
      const T a = EvalNode(nodes, n.a, p, x), b = EvalNode(nodes, n.b, p, x);
      return a < b ? b : a;
    }
    case Op::kName:
      break;
  }
  return T(std::numeric_limits<double>::quiet_NaN());
}

// Is the tree, as a function of the linear parameters, of the form
// Σ_k c_k φ_k (kHom), free of them (kFree), or neither (kOther)?
enum class Lin { kFree, kHom, kOther };

Lin Linearity(const std::vector<Node>& nodes, int id,
              const std::vector<unsigned char>& linear) {
  const Node& n = nodes[id];
  switch (n.op) {
    case Op::kConst:
    case Op::kInput:
    case Op::kName:
      return Lin::kFree;
    case Op::kParam:
      return linear[n.index] ? Lin::kHom : Lin::kFree;
    case Op::kNeg:
      return Linearity(nodes, n.a, linear);
    case Op::kAdd:
    case Op::kSub: {
      const Lin a = Linearity(nodes, n.a, linear),
                b = Linearity(nodes, n.b, linear);
      return a == b ? a : Lin::kOther;
    }
    case Op::kMul: {
      const Lin a = Linearity(nodes, n.a, linear),
                b = Linearity(nodes, n.b, linear);
      if (a == Lin::kFree) return b;
      if (b == Lin::kFree) return a;
      return Lin::kOther;
    }
    case Op::kDiv: {
      const Lin a = Linearity(nodes, n.a, linear),
                b = Linearity(nodes, n.b, linear);
      return b == Lin::kFree ? a : Lin::kOther;
    }
    default: {
      const Lin a = Linearity(nodes, n.a, linear);
      const Lin b = n.b >= 0 ? Linearity(nodes, n.b, linear) : Lin::kFree;
      return a == Lin::kFree && b == Lin::kFree ? Lin::kFree : Lin::kOther;
    }
  }
}

using FormulaJet = ceres::Jet<double, kMaxFormulaParams>;

class FormulaLaw final : public BatchLaw {
 public:
  FormulaLaw(LawInfo info, std::vector<Node> nodes, int root)
      : BatchLaw(std::move(info)), nodes_(std::move(nodes)), root_(root) {}

  bool Batch(const double* p, const double* x, int n, double* values,
             double* jac) const override {
    const int P = info_.num_params();
    const int K = info_.num_inputs();
    if (!jac) {
      for (int i = 0; i < n; ++i)
        values[i] =
            EvalNode<double>(nodes_, root_, p, x + static_cast<size_t>(i) * K);
      return true;
    }
    FormulaJet pj[kMaxFormulaParams];
    for (int k = 0; k < P; ++k) pj[k] = FormulaJet(p[k], k);
    for (int i = 0; i < n; ++i) {
      const FormulaJet v = EvalNode<FormulaJet>(nodes_, root_, pj,
                                                x + static_cast<size_t>(i) * K);
      values[i] = v.a;
      for (int k = 0; k < P; ++k) jac[static_cast<size_t>(i) * P + k] = v.v[k];
    }
    return true;
  }

 private:
  std::vector<Node> nodes_;
  int root_;
};

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "(none)" : s;
}

}  // namespace

std::vector<std::string> FormulaNames(const std::string& formula) {
  return Parser(formula).Parse().names;
}

LawPtr MakeFormulaLaw(const std::string& formula, const FormulaLawOptions& o) {
  Tree tree = Parser(formula).Parse();
  if (o.params.empty() && o.inputs.empty())
    throw InvalidArgument(
        "formula law: give the parameter names or the input names (or both); "
        "the formula uses: " +
        Join(tree.names));
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  std::vector<std::string> params = o.params, inputs = o.inputs;
  if (params.empty()) {
    for (const auto& n : tree.names)
      if (!contains(inputs, n)) params.push_back(n);
  }
  if (inputs.empty()) {
    for (const auto& n : tree.names)
      if (!contains(params, n)) inputs.push_back(n);
  }
  for (const auto& n : params)
    if (contains(inputs, n))
      throw InvalidArgument("formula law: '" + n +
                            "' is both a parameter and an input");
  // Every name used must be declared, every declared name used.
  for (const Node& node : tree.nodes) {
    if (node.op != Op::kName) continue;
    const std::string& n = tree.names[node.index];
    if (!contains(params, n) && !contains(inputs, n))
      throw UnknownName("formula uses unknown name '" + n + "' at position " +
                        std::to_string(node.pos) +
                        " (0-based): it is neither a parameter (" +
                        Join(params) + ") nor an input (" + Join(inputs) + ")");
  }
  for (const auto& n : params)
    if (!contains(tree.names, n))
      throw InvalidArgument("formula law: parameter '" + n +
                            "' does not appear in the formula");
  for (const auto& n : inputs)
    if (!contains(tree.names, n))
      throw InvalidArgument("formula law: input '" + n +
                            "' does not appear in the formula");
  if (params.empty())
    throw InvalidArgument("formula law: the formula has no parameters");
  if (inputs.empty())
    throw InvalidArgument("formula law: the formula has no inputs");
  if (static_cast<int>(params.size()) > kMaxFormulaParams)
    throw InvalidArgument("formula law: " + std::to_string(params.size()) +
                          " parameters; at most " +
                          std::to_string(kMaxFormulaParams) + " are supported");
  for (Node& node : tree.nodes) {
    if (node.op != Op::kName) continue;
    const std::string& n = tree.names[node.index];
    auto ip = std::find(params.begin(), params.end(), n);
    if (ip != params.end()) {
      node.op = Op::kParam;
      node.index = static_cast<int>(ip - params.begin());
    } else {
      node.op = Op::kInput;
      node.index = static_cast<int>(std::find(inputs.begin(), inputs.end(), n) -
                                    inputs.begin());
    }
  }

  LawInfo info;
  info.name = o.name.empty() ? "formula" : o.name;
  info.formula = formula;
  info.input_names = inputs;
  info.params = MakeParamInfos(info.name, params, o.positive, o.linear,
                               o.bounds, o.start, o.init);
  std::vector<unsigned char> linear(params.size(), 0);
  for (size_t k = 0; k < params.size(); ++k) linear[k] = info.params[k].linear;
  if (!o.linear.empty() &&
      Linearity(tree.nodes, tree.root, linear) != Lin::kHom) {
    throw InvalidArgument(
        "formula law: the parameters declared linear (" + Join(o.linear) +
        ") do not enter as a sum of terms c_k * phi_k(x; other parameters) "
        "with no term free of them; drop them from `linear`");
  }
  return std::make_shared<FormulaLaw>(std::move(info), std::move(tree.nodes),
                                      tree.root);
}

}  // namespace scalefit
