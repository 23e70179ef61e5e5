#include "instrumentation/sql_common/sql_lexer.h"

namespace adot::instrumentation::sql::internal {

namespace {
bool IsHexDigit(char c) noexcept {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
}  // namespace

size_t Lexer::SkipQuoted(size_t pos, char close, bool backslash_escapes) const noexcept {
  size_t i = pos;
  while (i < text_.size()) {
    char c = text_[i];
    if (backslash_escapes && c == '\\') {
      i += 2;
      continue;
    }
    if (c == close) {
      if (At(i + 1) == close) {  // a doubled quote stands for itself
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return text_.size();
}

size_t Lexer::SkipBlockComment(size_t pos) const noexcept {
  // PostgreSQL nests block comments; SQLite and standard SQL do not.
  const bool nested = dialect_ == Dialect::kPostgreSQL;
  size_t i = pos + 2;
  int depth = 1;
  while (i < text_.size()) {
    if (text_[i] == '*' && At(i + 1) == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else if (nested && text_[i] == '/' && At(i + 1) == '*') {
      i += 2;
      ++depth;
    } else {
      ++i;
    }
  }
  return text_.size();
}

size_t Lexer::SkipDollarQuoted(size_t pos) const noexcept {
  size_t j = pos + 1;
  if (At(j) != '$') {
    if (!IsIdentStart(At(j))) return 0;
    while (j < text_.size() && (IsIdentStart(text_[j]) || IsDigit(text_[j]))) ++j;
    if (At(j) != '$') return 0;
  }
  std::string_view tag = text_.substr(pos, j + 1 - pos);  // "$tag$" or "$$"
  size_t close = text_.find(tag, j + 1);
  return close == std::string_view::npos ? text_.size() : close + tag.size();
}

size_t Lexer::SkipNumber(size_t pos) const noexcept {
  size_t i = pos;
  if (At(i) == '0' && (At(i + 1) == 'x' || At(i + 1) == 'X') && IsHexDigit(At(i + 2))) {
    i += 2;
    while (IsHexDigit(At(i)) || At(i) == '_') ++i;
    return i;
  }
  while (IsDigit(At(i)) || (At(i) == '_' && IsDigit(At(i + 1)))) ++i;
  if (At(i) == '.' && At(i + 1) != '.') {
    ++i;
    while (IsDigit(At(i)) || (At(i) == '_' && IsDigit(At(i + 1)))) ++i;
  }
  if (At(i) == 'e' || At(i) == 'E') {
    size_t j = i + 1;
    if (At(j) == '+' || At(j) == '-') ++j;
    if (IsDigit(At(j))) {
      i = j;
      while (IsDigit(At(i))) ++i;
    }
  }
  return i;
}

size_t Lexer::SkipWord(size_t pos) const noexcept {
  size_t i = pos + 1;
  while (i < text_.size() && IsIdentChar(text_[i])) ++i;
  return i;
}

Token Lexer::Next() noexcept {
  const size_t n = text_.size();
  if (pos_ >= n) return Token{TokenKind::kEnd, n, n};
  const size_t start = pos_;
  const char c = text_[pos_];
  const bool pg = dialect_ == Dialect::kPostgreSQL;
  const bool sqlite = dialect_ == Dialect::kSQLite;
  auto make = [&](TokenKind kind, size_t end) {
    pos_ = end > n ? n : end;
    return Token{kind, start, pos_};
  };

  if (IsSpace(c)) {
    size_t i = pos_ + 1;
    while (i < n && IsSpace(text_[i])) ++i;
    return make(TokenKind::kSpace, i);
  }
  if (c == '-' && At(pos_ + 1) == '-') {
    size_t eol = text_.find('\n', pos_);
    return make(TokenKind::kComment, eol == std::string_view::npos ? n : eol);
  }
  if (c == '/' && At(pos_ + 1) == '*') return make(TokenKind::kComment, SkipBlockComment(pos_));
  if (c == '\'') return make(TokenKind::kString, SkipQuoted(pos_ + 1, '\'', false));
  if (c == '"') return make(TokenKind::kQuotedIdent, SkipQuoted(pos_ + 1, '"', false));
  if (c == '`' && !pg) return make(TokenKind::kQuotedIdent, SkipQuoted(pos_ + 1, '`', false));
  if (c == '[' && sqlite) {
    size_t close = text_.find(']', pos_ + 1);
    return make(TokenKind::kQuotedIdent, close == std::string_view::npos ? n : close + 1);
  }
  if (IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)))) {
    return make(TokenKind::kNumber, SkipNumber(pos_));
  }
  if (c == '$') {
    if (IsDigit(At(pos_ + 1)) && !sqlite) {
      size_t i = pos_ + 1;
      while (IsDigit(At(i))) ++i;
      return make(TokenKind::kParam, i);
    }
    if (sqlite && IsIdentChar(At(pos_ + 1))) return make(TokenKind::kParam, SkipWord(pos_));
    if (pg) {
      if (size_t end = SkipDollarQuoted(pos_)) return make(TokenKind::kString, end);
    }
    return make(TokenKind::kPunct, pos_ + 1);
  }
  if (c == '?' && !pg) {
    size_t i = pos_ + 1;
    while (IsDigit(At(i))) ++i;
    return make(TokenKind::kParam, i);
  }
  if ((c == ':' || c == '@') && sqlite && IsIdentStart(At(pos_ + 1))) {
    return make(TokenKind::kParam, SkipWord(pos_));
  }
  if (IsIdentStart(c)) {
    const char next = At(pos_ + 1);
    if (next == '\'') {
      switch (c) {
        case 'E':
        case 'e':  // PostgreSQL escape string: backslash escapes
          return make(TokenKind::kString, SkipQuoted(pos_ + 2, '\'', pg));
        case 'X':
        case 'x':  // hex / blob
        case 'B':
        case 'b':  // bit string
        case 'N':
        case 'n':  // national character string
          return make(TokenKind::kString, SkipQuoted(pos_ + 2, '\'', false));
        default:
          break;
      }
    }
    if ((c == 'U' || c == 'u') && next == '&') {
      if (At(pos_ + 2) == '\'') return make(TokenKind::kString, SkipQuoted(pos_ + 3, '\'', false));
      if (At(pos_ + 2) == '"')
        return make(TokenKind::kQuotedIdent, SkipQuoted(pos_ + 3, '"', false));
    }
    return make(TokenKind::kWord, SkipWord(pos_));
  }
  return make(TokenKind::kPunct, pos_ + 1);
}

}  // namespace adot::instrumentation::sql::internal
