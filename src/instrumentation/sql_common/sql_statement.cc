// Statement parsing (operation and main table) and query text sanitization.
#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "adot/instrumentation/sql.h"
#include "instrumentation/sql_common/sql_lexer.h"

namespace adot::instrumentation::sql {

using internal::KeywordIs;
using internal::Lexer;
using internal::Token;
using internal::TokenKind;

namespace {

// The command keywords that may start a statement. Anything else is not recognised as a statement
// and gives no operation (the span is then named after the database system).
constexpr std::string_view kCommands[] = {
    "ABORT",      "ALTER",    "ANALYSE",   "ANALYZE",  "ATTACH",  "BEGIN",   "CALL",
    "CHECKPOINT", "CLOSE",    "CLUSTER",   "COMMENT",  "COMMIT",  "COPY",    "CREATE",
    "DEALLOCATE", "DECLARE",  "DELETE",    "DETACH",   "DISCARD", "DO",      "DROP",
    "END",        "EXECUTE",  "EXPLAIN",   "FETCH",    "GRANT",   "IMPORT",  "INSERT",
    "LISTEN",     "LOAD",     "LOCK",      "MERGE",    "MOVE",    "NOTIFY",  "PRAGMA",
    "PREPARE",    "REASSIGN", "REFRESH",   "REINDEX",  "RELEASE", "REPLACE", "RESET",
    "REVOKE",     "ROLLBACK", "SAVEPOINT", "SECURITY", "SELECT",  "SET",     "SHOW",
    "START",      "TABLE",    "TRUNCATE",  "UNLISTEN", "UPDATE",  "UPSERT",  "VACUUM",
    "VALUES",     "WITH"};

bool IsCommand(std::string_view upper) noexcept {
  for (std::string_view c : kCommands)
    if (c == upper) return true;
  return false;
}

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// The name an identifier token stands for: quotes removed and doubled quotes undone.
std::string Unquote(std::string_view token) {
  if (token.empty()) return {};
  if ((token[0] == 'U' || token[0] == 'u') && token.size() > 1 && token[1] == '&') {
    token.remove_prefix(2);
  }
  const char open = token[0];
  if (open != '"' && open != '`' && open != '[') return std::string(token);
  const char close = open == '[' ? ']' : open;
  std::string_view body = token.substr(1);
  if (!body.empty() && body.back() == close) body.remove_suffix(1);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    out += body[i];
    if (open != '[' && body[i] == close && i + 1 < body.size() && body[i + 1] == close) ++i;
  }
  return out;
}

constexpr int kMaxDepth = 8;

// A recursive-descent reader over the significant tokens (no spaces, no comments) of one
// statement. It only looks for the few keywords that locate the operation and the main table.
class Parser {
 public:
  struct Cte {
    std::string name;
    size_t body_begin;  // just after the opening parenthesis of the CTE body
  };

  Parser(std::string_view text, Dialect dialect, size_t start, int depth,
         const std::vector<Cte>* outer_ctes) noexcept
      : text_(text),
        dialect_(dialect),
        lexer_(text.substr(start), dialect),
        offset_(start),
        depth_(depth),
        outer_ctes_(outer_ctes) {}

  StatementInfo Parse() {
    StatementInfo info;
    if (depth_ > kMaxDepth) return info;
    while (PeekPunct('(')) Take();
    Token t = Take();
    if (t.kind != TokenKind::kWord) return info;
    std::string op = Upper(Text(t));
    if (!IsCommand(op)) return info;
    if (op == "WITH") {
      if (!ReadCtes()) {
        info.operation = "WITH";
        return info;
      }
      while (PeekPunct('(')) Take();
      t = Take();
      std::string main = t.kind == TokenKind::kWord ? Upper(Text(t)) : std::string();
      if (main.empty() || !IsCommand(main) || main == "WITH") {
        info.operation = "WITH";
        return info;
      }
      op = std::move(main);
    }
    info.collection = Collection(op);
    info.operation = std::move(op);
    return info;
  }

 private:
  std::string_view Text(const Token& t) const noexcept { return lexer_.Text(t); }

  const Token& Peek() noexcept {
    if (!has_peek_) {
      do {
        peek_ = lexer_.Next();
      } while (peek_.kind == TokenKind::kSpace || peek_.kind == TokenKind::kComment);
      has_peek_ = true;
    }
    return peek_;
  }
  Token Take() noexcept {
    Peek();
    has_peek_ = false;
    return peek_;
  }
  bool PeekPunct(char c) noexcept {
    const Token& t = Peek();
    return t.kind == TokenKind::kPunct && Text(t)[0] == c;
  }
  bool PeekKeyword(std::string_view upper) noexcept {
    const Token& t = Peek();
    return t.kind == TokenKind::kWord && KeywordIs(Text(t), upper);
  }
  bool TakeKeyword(std::string_view upper) noexcept {
    if (!PeekKeyword(upper)) return false;
    Take();
    return true;
  }
  bool PeekName() noexcept {
    const Token& t = Peek();
    return t.kind == TokenKind::kWord || t.kind == TokenKind::kQuotedIdent;
  }

  // Skips to just after the parenthesis closing the one already taken. False at the end of text.
  bool SkipGroup() noexcept {
    int depth = 1;
    for (Token t = Take(); t.kind != TokenKind::kEnd; t = Take()) {
      if (t.kind != TokenKind::kPunct) continue;
      char c = Text(t)[0];
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return true;
    }
    return false;
  }

  // Takes tokens up to and including keyword at this statement's top level. False when the
  // statement (or the enclosing parenthesis) ends first.
  // "IS [NOT] DISTINCT FROM" is an operator, not a FROM clause.
  bool SeekKeyword(std::string_view upper) noexcept {
    int depth = 0;
    bool after_distinct = false;
    for (Token t = Take(); t.kind != TokenKind::kEnd; t = Take()) {
      if (t.kind == TokenKind::kPunct) {
        char c = Text(t)[0];
        if (c == '(') ++depth;
        if (c == ')' && --depth < 0) return false;
        if (c == ';' && depth == 0) return false;
      } else if (depth == 0 && t.kind == TokenKind::kWord && KeywordIs(Text(t), upper) &&
                 !after_distinct) {
        return true;
      }
      after_distinct = t.kind == TokenKind::kWord && KeywordIs(Text(t), "DISTINCT");
    }
    return false;
  }

  // WITH [RECURSIVE] name [(columns)] AS [NOT] [MATERIALIZED] (body) [, ...]
  bool ReadCtes() {
    TakeKeyword("RECURSIVE");
    while (true) {
      if (!PeekName()) return false;
      std::string name = Unquote(Text(Take()));
      if (PeekPunct('(')) {
        Take();
        if (!SkipGroup()) return false;
      }
      if (!TakeKeyword("AS")) return false;
      TakeKeyword("NOT");
      TakeKeyword("MATERIALIZED");
      if (!PeekPunct('(')) return false;
      Token open = Take();
      ctes_.push_back(Cte{std::move(name), offset_ + open.end});
      if (!SkipGroup()) return false;
      if (!PeekPunct(',')) return true;
      Take();
    }
  }

  // A possibly qualified table name: name [. name [. name]]. Empty when there is none.
  std::string ReadName() {
    if (!PeekName()) return {};
    std::string name = Unquote(Text(Take()));
    while (PeekPunct('.')) {
      Take();
      if (!PeekName()) break;
      name += '.';
      name += Unquote(Text(Take()));
    }
    return name;
  }

  std::string SubStatementCollection(size_t begin, const std::vector<Cte>* ctes) {
    Parser sub(text_, dialect_, begin, depth_ + 1, ctes);
    return sub.Parse().collection;
  }

  const Cte* FindCte(std::string_view name) const noexcept {
    for (const auto* list : {&ctes_, outer_ctes_}) {
      if (!list) continue;
      for (const Cte& cte : *list) {
        if (cte.name.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < name.size() && same; ++i) {
          char a = cte.name[i], b = name[i];
          if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 'a' + 'A');
          if (b >= 'a' && b <= 'z') b = static_cast<char>(b - 'a' + 'A');
          same = a == b;
        }
        if (same) return &cte;
      }
    }
    return nullptr;
  }

  // The table a FROM clause starts with: a name, a parenthesised subquery's main table, or, for a
  // CTE, the main table of its body. Empty for a function call ("FROM generate_series(1, 3)").
  std::string FromTarget() {
    TakeKeyword("ONLY");
    TakeKeyword("LATERAL");
    if (PeekPunct('(')) {
      Token open = Take();
      return SubStatementCollection(offset_ + open.end, CteScope());
    }
    std::string name = ReadName();
    if (name.empty() || PeekPunct('(')) return {};
    if (const Cte* cte = FindCte(name)) return SubStatementCollection(cte->body_begin, CteScope());
    return name;
  }

  // The CTE names visible to a nested statement (this one's, else the enclosing one's).
  const std::vector<Cte>* CteScope() const noexcept { return ctes_.empty() ? outer_ctes_ : &ctes_; }

  std::string Collection(std::string_view op) {
    if (op == "SELECT") return SeekKeyword("FROM") ? FromTarget() : std::string();
    if (op == "INSERT" || op == "UPDATE") {
      if (TakeKeyword("OR")) Take();  // SQLite: INSERT OR REPLACE, UPDATE OR IGNORE, ...
      if (op == "INSERT" && !TakeKeyword("INTO")) return {};
      TakeKeyword("ONLY");
      return ReadName();
    }
    if (op == "REPLACE" || op == "MERGE") {
      if (!TakeKeyword("INTO")) return {};
      TakeKeyword("ONLY");
      return ReadName();
    }
    if (op == "DELETE") {
      if (!TakeKeyword("FROM")) return {};
      TakeKeyword("ONLY");
      return ReadName();
    }
    if (op == "TRUNCATE") {
      TakeKeyword("TABLE");
      TakeKeyword("ONLY");
      return ReadName();
    }
    if (op == "TABLE") return ReadName();  // PostgreSQL: TABLE t is SELECT * FROM t
    if (op == "COPY") return PeekPunct('(') ? std::string() : ReadName();
    if (op == "CREATE") {
      if (TakeKeyword("OR")) TakeKeyword("REPLACE");
      while (TakeKeyword("TEMP") || TakeKeyword("TEMPORARY") || TakeKeyword("UNLOGGED") ||
             TakeKeyword("GLOBAL") || TakeKeyword("LOCAL") || TakeKeyword("UNIQUE") ||
             TakeKeyword("VIRTUAL")) {
      }
      if (TakeKeyword("TABLE")) return NameAfterIfExists();
      if (TakeKeyword("INDEX")) {
        if (!SeekKeyword("ON")) return {};
        TakeKeyword("ONLY");
        return ReadName();
      }
      return {};
    }
    if (op == "DROP" || op == "ALTER") {
      if (!TakeKeyword("TABLE")) return {};
      return NameAfterIfExists();
    }
    return {};
  }

  // [IF [NOT] EXISTS] [ONLY] name
  std::string NameAfterIfExists() {
    if (TakeKeyword("IF")) {
      TakeKeyword("NOT");
      if (!TakeKeyword("EXISTS")) return {};
    }
    TakeKeyword("ONLY");
    return ReadName();
  }

  std::string_view text_;
  Dialect dialect_;
  Lexer lexer_;
  size_t offset_;  // where lexer_'s text starts within text_
  int depth_;
  const std::vector<Cte>* outer_ctes_;
  std::vector<Cte> ctes_;
  Token peek_;
  bool has_peek_ = false;
};

// Keywords after which a '-' directly before a number is a sign, not a subtraction.
bool IsSignContextKeyword(std::string_view word) noexcept {
  static constexpr std::string_view kWords[] = {
      "SELECT", "WHERE", "AND",   "OR",     "NOT",    "WHEN",    "THEN",   "ELSE",
      "IN",     "BY",    "LIMIT", "OFFSET", "VALUES", "SET",     "RETURN", "BETWEEN",
      "LIKE",   "IS",    "ON",    "HAVING", "CASE",   "DEFAULT", "AS",     "RETURNING"};
  for (std::string_view k : kWords)
    if (KeywordIs(word, k)) return true;
  return false;
}

}  // namespace

StatementInfo ParseStatement(std::string_view sql, Dialect dialect) {
  Parser parser(sql, dialect, 0, 0, nullptr);
  return parser.Parse();
}

std::string SanitizeQuery(std::string_view sql, Dialect dialect) {
  std::string out;
  out.reserve(sql.size());
  Lexer lexer(sql, dialect);
  Token prev{};  // the previous significant token
  bool ended_with_comment = false;
  for (Token t = lexer.Next(); t.kind != TokenKind::kEnd; t = lexer.Next()) {
    std::string_view text = lexer.Text(t);
    ended_with_comment = false;
    switch (t.kind) {
      case TokenKind::kComment:
        // Dropped; a space keeps the tokens around it apart ("a/**/b" is "a b").
        if (!out.empty() && !internal::IsSpace(out.back()) && t.end < sql.size() &&
            !internal::IsSpace(sql[t.end])) {
          out += ' ';
        }
        ended_with_comment = true;
        continue;
      case TokenKind::kString:
      case TokenKind::kNumber:
        out += '?';
        break;
      case TokenKind::kPunct:
        if (text[0] == '-' && t.end < sql.size() &&
            (internal::IsDigit(sql[t.end]) ||
             (sql[t.end] == '.' && t.end + 1 < sql.size() && internal::IsDigit(sql[t.end + 1])))) {
          std::string_view prev_text = sql.substr(prev.begin, prev.end - prev.begin);
          bool sign =
              prev.kind == TokenKind::kEnd ||
              (prev.kind == TokenKind::kPunct && prev_text[0] != ')' && prev_text[0] != ']') ||
              (prev.kind == TokenKind::kWord && IsSignContextKeyword(prev_text));
          if (sign) {
            t = lexer.Next();  // the number, sign included, becomes one '?'
            out += '?';
            break;
          }
        }
        out += text;
        break;
      default:
        out += text;
        break;
    }
    if (t.kind != TokenKind::kSpace) prev = t;
  }
  if (ended_with_comment) {
    while (!out.empty() && internal::IsSpace(out.back())) out.pop_back();
  }
  return out;
}

bool HasPlaceholders(std::string_view sql, Dialect dialect) {
  Lexer lexer(sql, dialect);
  for (Token t = lexer.Next(); t.kind != TokenKind::kEnd; t = lexer.Next()) {
    if (t.kind == TokenKind::kParam) return true;
  }
  return false;
}

std::string SpanName(const StatementInfo& info, std::string_view db_system) {
  if (info.operation.empty()) return std::string(db_system);
  if (info.collection.empty()) return info.operation;
  std::string name;
  name.reserve(info.operation.size() + 1 + info.collection.size());
  name.append(info.operation).append(1, ' ').append(info.collection);
  return name;
}

namespace {
std::atomic<uint8_t> query_text_mode{static_cast<uint8_t>(QueryTextMode::kSanitized)};
}  // namespace

void SetOptions(const Options& options) noexcept {
  query_text_mode.store(static_cast<uint8_t>(options.query_text), std::memory_order_relaxed);
}

Options GetOptions() noexcept {
  Options options;
  options.query_text = static_cast<QueryTextMode>(query_text_mode.load(std::memory_order_relaxed));
  return options;
}

}  // namespace adot::instrumentation::sql
