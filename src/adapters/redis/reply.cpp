// Reply's accessors, the error types, and the RESP encoding of commands.
#include <simul/adapters/redis/args.hpp>
#include <simul/adapters/redis/reply.hpp>

#include <charconv>

namespace simul::redis {

Error::Error(std::string message) : simul::Error("redis: " + message), message_(std::move(message)) {}

std::string Error::code() const {
    const auto space = message_.find(' ');
    return message_.substr(0, space);
}

const char* Reply::type_name(Type t) noexcept {
    switch (t) {
        case Type::nil: return "nil";
        case Type::integer: return "integer";
        case Type::status: return "status";
        case Type::string: return "string";
        case Type::error: return "error";
        case Type::array: return "array";
    }
    return "?";
}

void Reply::wrong_type(const char* wanted) const {
    std::string msg = std::string("simul::redis::Reply: asked for ") + wanted + " but the reply is " + to_string();
    if (is_error()) msg += " (a server error; command() would have thrown it as redis::Error)";
    throw TypeError(msg);
}

const std::string& Reply::as_string() const& {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    if (auto* s = std::get_if<Status>(&v_)) return s->text;
    wrong_type("a string");
}

std::string Reply::as_string() && {
    if (auto* s = std::get_if<std::string>(&v_)) return std::move(*s);
    if (auto* s = std::get_if<Status>(&v_)) return std::move(s->text);
    wrong_type("a string");
}

long long Reply::as_int() const {
    if (auto* i = std::get_if<long long>(&v_)) return *i;
    const std::string* s = std::get_if<std::string>(&v_);
    if (!s) {
        if (auto* st = std::get_if<Status>(&v_)) s = &st->text;
    }
    if (s) {
        long long v = 0;
        const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
        if (ec == std::errc() && end == s->data() + s->size() && !s->empty()) return v;
    }
    wrong_type("an integer");
}

const std::vector<Reply>& Reply::as_array() const& {
    if (auto* a = std::get_if<std::vector<Reply>>(&v_)) return *a;
    wrong_type("an array");
}

std::vector<Reply> Reply::as_array() && {
    if (auto* a = std::get_if<std::vector<Reply>>(&v_)) return std::move(*a);
    wrong_type("an array");
}

const std::string& Reply::error_message() const {
    if (auto* e = std::get_if<ErrorText>(&v_)) return e->text;
    wrong_type("an error");
}

namespace {
void quote(std::string& out, const std::string& s) {
    constexpr std::size_t kMax = 64;
    out += '"';
    for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (s.size() > kMax) out += "...";
    out += '"';
}
}  // namespace

std::string Reply::to_string() const {
    std::string out;
    switch (type()) {
        case Type::nil: return "(nil)";
        case Type::integer: return "(integer) " + std::to_string(std::get<long long>(v_));
        case Type::status: return "(status) " + std::get<Status>(v_).text;
        case Type::string: quote(out, std::get<std::string>(v_)); return out;
        case Type::error: return "(error) " + std::get<ErrorText>(v_).text;
        case Type::array: {
            const auto& a = std::get<std::vector<Reply>>(v_);
            out = "[";
            for (std::size_t i = 0; i < a.size(); ++i) {
                if (i) out += ", ";
                if (i == 8) {
                    out += "... " + std::to_string(a.size()) + " elements";
                    break;
                }
                out += a[i].to_string();
            }
            return out + "]";
        }
    }
    return out;
}

namespace {
std::size_t digits(std::size_t v) noexcept {
    std::size_t d = 1;
    while (v >= 10) {
        v /= 10;
        ++d;
    }
    return d;
}
char* put_header_raw(char* p, char kind, std::size_t n) noexcept {
    *p++ = kind;
    p = std::to_chars(p, p + 24, n).ptr;
    *p++ = '\r';
    *p++ = '\n';
    return p;
}
ArgList to_args(const std::vector<std::string>& argv) {
    ArgList args;
    for (const std::string& a : argv) args.push_back(Arg(a));
    return args;
}
}  // namespace

// Encoded straight into the inline buffer (or one heap block): the exact
// size is computed first.
Command::Command(const ArgList& args) {
    if (args.empty()) throw simul::Error("simul::redis: a command needs at least its name");
    std::size_t size = 3 + digits(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::size_t len = args[i].view().size();
        size += 5 + digits(len) + len;
    }
    char* p = inline_;
    if (size > kInline) {
        heap_.resize(size);
        p = heap_.data();
    }
    p = put_header_raw(p, '*', args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i].view();
        p = put_header_raw(p, '$', a.size());
        if (!a.empty()) std::memcpy(p, a.data(), a.size());
        p += a.size();
        *p++ = '\r';
        *p++ = '\n';
    }
    n_ = size;
}

Command::Command(const std::vector<std::string>& argv) : Command(to_args(argv)) {}

std::string_view Command::name() const noexcept {
    // "*N\r\n$L\r\nNAME\r\n"
    const std::string_view b = bytes();
    std::size_t at = b.find('\n');
    if (at == std::string_view::npos || at + 1 >= b.size()) return {};
    std::size_t len = 0;
    std::size_t i = at + 2;
    for (; i < b.size() && b[i] >= '0' && b[i] <= '9'; ++i) len = len * 10 + std::size_t(b[i] - '0');
    i += 2;
    if (i + len > b.size()) return {};
    return b.substr(i, len);
}

namespace detail {

namespace {
inline void put_header(std::string& out, char kind, std::size_t n) {
    char tmp[24];
    tmp[0] = kind;
    char* end = std::to_chars(tmp + 1, tmp + sizeof tmp - 2, n).ptr;
    *end++ = '\r';
    *end++ = '\n';
    out.append(tmp, std::size_t(end - tmp));
}
inline void put_bulk(std::string& out, std::string_view s) {
    put_header(out, '$', s.size());
    out.append(s);
    out.append("\r\n", 2);
}
template <class List>
void encode_list(std::string& out, const List& args, std::size_t n) {
    if (n == 0) throw simul::Error("simul::redis: a command needs at least its name");
    put_header(out, '*', n);
    for (std::size_t i = 0; i < n; ++i) put_bulk(out, std::string_view(args[i]));
}
}  // namespace

void encode(std::string& out, const ArgList& args) {
    if (args.empty()) throw simul::Error("simul::redis: a command needs at least its name");
    put_header(out, '*', args.size());
    for (std::size_t i = 0; i < args.size(); ++i) put_bulk(out, args[i].view());
}
void encode(std::string& out, const std::vector<std::string>& args) { encode_list(out, args, args.size()); }
void encode(std::string& out, const std::vector<std::string_view>& args) { encode_list(out, args, args.size()); }

}  // namespace detail

}  // namespace simul::redis
