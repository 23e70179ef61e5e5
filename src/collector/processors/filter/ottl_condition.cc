#include "collector/processors/filter/ottl_condition.h"

#include <cctype>
#include <map>
#include <regex>
#include <vector>

namespace adot::collector::ottl {
namespace {

const std::map<std::string, int64_t>& Enums() {
  static const std::map<std::string, int64_t> m = {
      {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
      {"SPAN_KIND_CLIENT", 3}, {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
      {"STATUS_CODE_UNSET", 0}, {"STATUS_CODE_OK", 1}, {"STATUS_CODE_ERROR", 2},
      {"SEVERITY_NUMBER_UNSPECIFIED", 0}, {"SEVERITY_NUMBER_TRACE", 1}, {"SEVERITY_NUMBER_DEBUG", 5},
      {"SEVERITY_NUMBER_INFO", 9}, {"SEVERITY_NUMBER_WARN", 13}, {"SEVERITY_NUMBER_ERROR", 17},
      {"SEVERITY_NUMBER_FATAL", 21},
      {"METRIC_DATA_TYPE_NONE", 0}, {"METRIC_DATA_TYPE_GAUGE", 1}, {"METRIC_DATA_TYPE_SUM", 2},
      {"METRIC_DATA_TYPE_HISTOGRAM", 3}, {"METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4},
      {"METRIC_DATA_TYPE_SUMMARY", 5}};
  return m;
}

struct Token {
  enum Kind { kIdent, kString, kNumber, kOp, kLParen, kRParen, kComma, kEnd } kind;
  std::string text;
};

bool Tokenize(const std::string& s, std::vector<Token>& out, std::string& error) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"') {
      std::string v;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        v += s[i++];
      }
      if (i >= s.size()) {
        error = "unterminated string";
        return false;
      }
      ++i;
      out.push_back({Token::kString, v});
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t start = i++;
      while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == 'e' || s[i] == 'E')) ++i;
      out.push_back({Token::kNumber, s.substr(start, i - start)});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      // A path: identifiers joined by '.', with ["key"] indexes.
      size_t start = i;
      while (i < s.size()) {
        if (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.') {
          ++i;
        } else if (s[i] == '[') {
          size_t close = s.find(']', i);
          if (close == std::string::npos) {
            error = "unterminated [";
            return false;
          }
          i = close + 1;
        } else {
          break;
        }
      }
      out.push_back({Token::kIdent, s.substr(start, i - start)});
    } else if (c == '(') {
      out.push_back({Token::kLParen, "("});
      ++i;
    } else if (c == ')') {
      out.push_back({Token::kRParen, ")"});
      ++i;
    } else if (c == ',') {
      out.push_back({Token::kComma, ","});
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < s.size() && s[i + 1] == '=') op += '=';
      if (op == "=" || op == "!") {
        error = "unknown operator \"" + op + "\"";
        return false;
      }
      out.push_back({Token::kOp, op});
      i += op.size();
    } else {
      error = std::string("unexpected character '") + c + "'";
      return false;
    }
  }
  out.push_back({Token::kEnd, ""});
  return true;
}

struct Operand {
  enum Kind { kLiteral, kPath } kind = kLiteral;
  Value literal;
  std::string path;
  Value Get(const PathResolver& r) const {
    if (kind == kLiteral) return literal;
    return r(path).value_or(Value(Nil{}));
  }
};

int Compare(const Value& a, const Value& b, bool& comparable) {
  comparable = true;
  auto num = [](const Value& v, double& d) {
    if (auto* i = std::get_if<int64_t>(&v)) d = static_cast<double>(*i);
    else if (auto* f = std::get_if<double>(&v)) d = *f;
    else return false;
    return true;
  };
  double x, y;
  if (num(a, x) && num(b, y)) return x < y ? -1 : x > y ? 1 : 0;
  if (a.index() != b.index()) {
    comparable = false;
    return 1;
  }
  if (auto* s = std::get_if<std::string>(&a)) return s->compare(std::get<std::string>(b));
  if (auto* t = std::get_if<bool>(&a)) return *t == std::get<bool>(b) ? 0 : 1;
  return 0;  // nil == nil
}

class Comparison : public Condition {
 public:
  Comparison(Operand l, std::string op, Operand r) : l_(std::move(l)), op_(std::move(op)), r_(std::move(r)) {}
  bool Eval(const PathResolver& res) const override {
    bool comparable;
    int c = Compare(l_.Get(res), r_.Get(res), comparable);
    if (op_ == "==") return comparable && c == 0;
    if (op_ == "!=") return !comparable || c != 0;
    if (!comparable) return false;
    if (op_ == "<") return c < 0;
    if (op_ == "<=") return c <= 0;
    if (op_ == ">") return c > 0;
    return c >= 0;
  }

 private:
  Operand l_;
  std::string op_;
  Operand r_;
};

class IsMatch : public Condition {
 public:
  IsMatch(Operand target, std::regex re) : target_(std::move(target)), re_(std::move(re)) {}
  bool Eval(const PathResolver& res) const override {
    Value v = target_.Get(res);
    auto* s = std::get_if<std::string>(&v);
    return s && std::regex_search(*s, re_);
  }

 private:
  Operand target_;
  std::regex re_;
};

class Logical : public Condition {
 public:
  Logical(bool is_and, std::unique_ptr<Condition> a, std::unique_ptr<Condition> b)
      : and_(is_and), a_(std::move(a)), b_(std::move(b)) {}
  bool Eval(const PathResolver& r) const override {
    return and_ ? (a_->Eval(r) && b_->Eval(r)) : (a_->Eval(r) || b_->Eval(r));
  }

 private:
  bool and_;
  std::unique_ptr<Condition> a_, b_;
};

class Not : public Condition {
 public:
  explicit Not(std::unique_ptr<Condition> c) : c_(std::move(c)) {}
  bool Eval(const PathResolver& r) const override { return !c_->Eval(r); }

 private:
  std::unique_ptr<Condition> c_;
};

class Parser {
 public:
  Parser(std::vector<Token> t, const PathChecker& known) : t_(std::move(t)), known_(known) {}

  std::unique_ptr<Condition> ParseAll(std::string& error) {
    auto c = Or();
    if (c && t_[pos_].kind != Token::kEnd) Fail("unexpected \"" + t_[pos_].text + "\"");
    error = error_;
    return error_.empty() ? std::move(c) : nullptr;
  }

 private:
  void Fail(const std::string& e) {
    if (error_.empty()) error_ = e;
  }
  bool IsWord(const char* w) const { return t_[pos_].kind == Token::kIdent && t_[pos_].text == w; }

  std::unique_ptr<Condition> Or() {
    auto left = And();
    while (left && IsWord("or")) {
      ++pos_;
      auto right = And();
      if (!right) return nullptr;
      left = std::make_unique<Logical>(false, std::move(left), std::move(right));
    }
    return left;
  }
  std::unique_ptr<Condition> And() {
    auto left = Unary();
    while (left && IsWord("and")) {
      ++pos_;
      auto right = Unary();
      if (!right) return nullptr;
      left = std::make_unique<Logical>(true, std::move(left), std::move(right));
    }
    return left;
  }
  std::unique_ptr<Condition> Unary() {
    if (IsWord("not")) {
      ++pos_;
      auto c = Unary();
      return c ? std::make_unique<Not>(std::move(c)) : nullptr;
    }
    if (t_[pos_].kind == Token::kLParen) {
      ++pos_;
      auto c = Or();
      if (!c) return nullptr;
      if (t_[pos_].kind != Token::kRParen) {
        Fail("expected )");
        return nullptr;
      }
      ++pos_;
      return c;
    }
    if (IsWord("IsMatch") && t_[pos_ + 1].kind == Token::kLParen) {
      pos_ += 2;
      auto target = Operand_();
      if (!target) return nullptr;
      if (t_[pos_].kind != Token::kComma || t_[pos_ + 1].kind != Token::kString) {
        Fail("IsMatch expects (target, \"regex\")");
        return nullptr;
      }
      std::string re = t_[pos_ + 1].text;
      pos_ += 2;
      if (t_[pos_].kind != Token::kRParen) {
        Fail("expected ) after IsMatch arguments");
        return nullptr;
      }
      ++pos_;
      try {
        return std::make_unique<IsMatch>(*target, std::regex(re));
      } catch (const std::regex_error& e) {
        Fail("invalid regular expression \"" + re + "\"");
        return nullptr;
      }
    }
    auto l = Operand_();
    if (!l) return nullptr;
    if (t_[pos_].kind != Token::kOp) {
      Fail("expected a comparison operator after \"" + t_[pos_ - 1].text + "\"");
      return nullptr;
    }
    std::string op = t_[pos_++].text;
    auto r = Operand_();
    if (!r) return nullptr;
    return std::make_unique<Comparison>(*l, op, *r);
  }
  std::optional<Operand> Operand_() {
    const Token& t = t_[pos_];
    Operand o;
    if (t.kind == Token::kString) {
      o.literal = t.text;
    } else if (t.kind == Token::kNumber) {
      if (t.text.find_first_of(".eE") != std::string::npos) o.literal = std::stod(t.text);
      else o.literal = static_cast<int64_t>(std::stoll(t.text));
    } else if (t.kind == Token::kIdent) {
      if (t.text == "true" || t.text == "false") o.literal = t.text == "true";
      else if (t.text == "nil") o.literal = Nil{};
      else if (auto it = Enums().find(t.text); it != Enums().end()) o.literal = it->second;
      else if (known_(t.text)) {
        o.kind = Operand::kPath;
        o.path = t.text;
      } else {
        Fail("unknown path \"" + t.text + "\"");
        return std::nullopt;
      }
    } else {
      Fail(t.kind == Token::kEnd ? "unexpected end of condition" : "unexpected \"" + t.text + "\"");
      return std::nullopt;
    }
    ++pos_;
    return o;
  }

  std::vector<Token> t_;
  const PathChecker& known_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::unique_ptr<Condition> Parse(const std::string& text, const PathChecker& known, std::string& error) {
  std::vector<Token> tokens;
  if (!Tokenize(text, tokens, error)) return nullptr;
  Parser p(std::move(tokens), known);
  return p.ParseAll(error);
}

}  // namespace adot::collector::ottl
