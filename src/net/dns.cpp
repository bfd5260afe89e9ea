// dns::Resolver and dns::query() (see simul/net/dns.hpp); the loop's side of
// c-ares is in dns_channel.cpp.
#include <simul/net/dns.hpp>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>

#include "net/dns_channel.hpp"

namespace simul::dns {

namespace detail {

Task<std::vector<Address>> lookup(std::shared_ptr<Channel> channel, std::string host, std::uint16_t port, int family,
                                  int socktype, const char* context) {
    std::shared_ptr<Request> r = channel->getaddrinfo(host, port, family, socktype);
    co_await Channel::wait(r);
    if (r->status != ARES_SUCCESS) throw channel->error(context, host, *r);
    co_return std::move(r->addresses);
}

namespace {

// The raw reply to one query (ares_search or ares_query).
Task<std::vector<unsigned char>> ask(std::shared_ptr<Channel> channel, std::string name, int type, bool search,
                                     const char* context) {
    std::shared_ptr<Request> r = channel->query(name, type, search);
    co_await Channel::wait(r);
    if (r->status != ARES_SUCCESS) throw channel->error(context, name, *r);
    co_return std::move(r->answer);
}

[[noreturn]] void parse_failed(const Channel& channel, const char* context, const std::string& name, int status) {
    Request r;
    r.status = status;
    throw channel.error(context, name, r);
}

std::string expand(const unsigned char* at, const std::vector<unsigned char>& msg, long* used) {
    char* s = nullptr;
    if (::ares_expand_name(at, msg.data(), int(msg.size()), &s, used) != ARES_SUCCESS) return {};
    std::string out(s);
    ::ares_free_string(s);
    return out;
}

// The CNAME records of a reply. c-ares 1.18 has no parser for them, so this
// walks the message itself; every length is checked against the message.
int parse_cnames(const std::vector<unsigned char>& msg, std::vector<CnameRecord>& out) {
    const std::size_t n = msg.size();
    if (n < 12) return ARES_EBADRESP;
    auto u16 = [&](std::size_t at) { return unsigned(msg[at]) << 8 | msg[at + 1]; };
    const unsigned qd = u16(4), an = u16(6);
    std::size_t p = 12;
    for (unsigned i = 0; i < qd; ++i) {
        long used = 0;
        if (p >= n) return ARES_EBADRESP;
        char* s = nullptr;
        if (::ares_expand_name(msg.data() + p, msg.data(), int(n), &s, &used) != ARES_SUCCESS) return ARES_EBADRESP;
        ::ares_free_string(s);
        p += std::size_t(used) + 4;
        if (p > n) return ARES_EBADRESP;
    }
    for (unsigned i = 0; i < an; ++i) {
        if (p >= n) return ARES_EBADRESP;
        long used = 0;
        char* owner = nullptr;
        if (::ares_expand_name(msg.data() + p, msg.data(), int(n), &owner, &used) != ARES_SUCCESS) return ARES_EBADRESP;
        std::string alias(owner);
        ::ares_free_string(owner);
        p += std::size_t(used);
        if (p + 10 > n) return ARES_EBADRESP;
        const unsigned type = u16(p);
        const std::uint32_t ttl = std::uint32_t(u16(p + 4)) << 16 | u16(p + 6);
        const std::size_t rdlen = u16(p + 8);
        p += 10;
        if (p + rdlen > n) return ARES_EBADRESP;
        if (type == ns_t_cname) {
            long tused = 0;
            std::string target = expand(msg.data() + p, msg, &tused);
            if (target.empty()) return ARES_EBADRESP;
            out.push_back({std::move(alias), std::move(target), ttl});
        }
        p += rdlen;
    }
    return out.empty() ? ARES_ENODATA : ARES_SUCCESS;
}

std::shared_ptr<Channel> channel_for(const QueryOptions& o) { return Channel::pick(o.dns, o.resolver); }

Task<std::vector<MxRecord>> query_mx(std::shared_ptr<Channel> ch, std::string name, bool search) {
    const char* ctx = "simul::dns::query MX";
    std::vector<unsigned char> msg = co_await ask(ch, name, ns_t_mx, search, ctx);
    ares_mx_reply* head = nullptr;
    const int rc = ::ares_parse_mx_reply(msg.data(), int(msg.size()), &head);
    if (rc != ARES_SUCCESS) parse_failed(*ch, ctx, name, rc);
    std::vector<MxRecord> out;
    for (auto* m = head; m; m = m->next) out.push_back({m->host, m->priority});
    ::ares_free_data(head);
    co_return out;
}

Task<std::vector<TxtRecord>> query_txt(std::shared_ptr<Channel> ch, std::string name, bool search) {
    const char* ctx = "simul::dns::query TXT";
    std::vector<unsigned char> msg = co_await ask(ch, name, ns_t_txt, search, ctx);
    ares_txt_ext* head = nullptr;
    const int rc = ::ares_parse_txt_reply_ext(msg.data(), int(msg.size()), &head);
    if (rc != ARES_SUCCESS) parse_failed(*ch, ctx, name, rc);
    std::vector<TxtRecord> out;
    for (auto* t = head; t; t = t->next) {
        if (t->record_start || out.empty()) out.emplace_back();
        out.back().strings.emplace_back(reinterpret_cast<const char*>(t->txt), t->length);
    }
    ::ares_free_data(head);
    co_return out;
}

Task<std::vector<SrvRecord>> query_srv(std::shared_ptr<Channel> ch, std::string name, bool search) {
    const char* ctx = "simul::dns::query SRV";
    std::vector<unsigned char> msg = co_await ask(ch, name, ns_t_srv, search, ctx);
    ares_srv_reply* head = nullptr;
    const int rc = ::ares_parse_srv_reply(msg.data(), int(msg.size()), &head);
    if (rc != ARES_SUCCESS) parse_failed(*ch, ctx, name, rc);
    std::vector<SrvRecord> out;
    for (auto* s = head; s; s = s->next) out.push_back({s->host, s->priority, s->weight, s->port});
    ::ares_free_data(head);
    co_return out;
}

Task<std::vector<CnameRecord>> query_cname(std::shared_ptr<Channel> ch, std::string name, bool search) {
    const char* ctx = "simul::dns::query CNAME";
    std::vector<unsigned char> msg = co_await ask(ch, name, ns_t_cname, search, ctx);
    std::vector<CnameRecord> out;
    const int rc = parse_cnames(msg, out);
    if (rc != ARES_SUCCESS) parse_failed(*ch, ctx, name, rc);
    co_return out;
}

Task<std::vector<AddressRecord>> query_addresses(std::shared_ptr<Channel> ch, std::string name, bool search, bool six) {
    const char* ctx = six ? "simul::dns::query AAAA" : "simul::dns::query A";
    std::vector<unsigned char> msg = co_await ask(ch, name, six ? ns_t_aaaa : ns_t_a, search, ctx);
    std::vector<AddressRecord> out;
    // A reply has at most (size / 16) addresses: each takes 16 bytes or more.
    int count = int(msg.size() / 16) + 1;
    char buf[INET6_ADDRSTRLEN] = {};
    if (six) {
        std::vector<ares_addr6ttl> ttls(static_cast<std::size_t>(count));
        const int rc = ::ares_parse_aaaa_reply(msg.data(), int(msg.size()), nullptr, ttls.data(), &count);
        if (rc != ARES_SUCCESS) parse_failed(*ch, ctx, name, rc);
        for (int i = 0; i < count; ++i) {
            ::inet_ntop(AF_INET6, &ttls[std::size_t(i)].ip6addr, buf, sizeof buf);
            out.push_back({Address::ip(buf, 0), std::uint32_t(ttls[std::size_t(i)].ttl)});
        }
    } else {
        std::vector<ares_addrttl> ttls(static_cast<std::size_t>(count));
        const int rc = ::ares_parse_a_reply(msg.data(), int(msg.size()), nullptr, ttls.data(), &count);
        if (rc != ARES_SUCCESS) parse_failed(*ch, ctx, name, rc);
        for (int i = 0; i < count; ++i) {
            ::inet_ntop(AF_INET, &ttls[std::size_t(i)].ipaddr, buf, sizeof buf);
            out.push_back({Address::ip(buf, 0), std::uint32_t(ttls[std::size_t(i)].ttl)});
        }
    }
    if (out.empty()) parse_failed(*ch, ctx, name, ARES_ENODATA);
    co_return out;
}

}  // namespace
}  // namespace detail

std::string TxtRecord::text() const {
    std::string out;
    for (const auto& s : strings) out += s;
    return out;
}

std::string cares_version() { return ::ares_version(nullptr); }

// ---- Resolver ---------------------------------------------------------------

Resolver::Resolver(Config config) : channel_(std::make_shared<detail::Channel>(config)) {}
Resolver::~Resolver() = default;

const Config& Resolver::config() const noexcept { return channel_->config(); }
std::string Resolver::servers() const { return channel_->servers(); }

namespace detail {
namespace {
// As simul::resolve, on a channel the frame owns (so the Resolver may go first).
Task<std::vector<Address>> resolve_on(std::shared_ptr<Channel> channel, std::string host, std::uint16_t port,
                                      ResolveOptions options) {
    std::optional<Address> numeric;
    try {
        numeric = Address::ip(host, port);
    } catch (const simul::Error&) {
    }
    if (numeric && (options.family == AF_UNSPEC || options.family == numeric->family())) {
        std::vector<Address> one;
        one.push_back(*numeric);
        co_return one;
    }
    co_return co_await lookup(std::move(channel), std::move(host), port, options.family, options.socktype,
                              "simul::resolve");
}
}  // namespace
}  // namespace detail

Task<std::vector<Address>> Resolver::resolve(std::string host, std::uint16_t port, ResolveOptions options) const {
    return detail::resolve_on(channel_, std::move(host), port, options);
}

Task<std::vector<MxRecord>> Resolver::query(std::string name, Mx, bool search) const {
    return detail::query_mx(channel_, std::move(name), search);
}
Task<std::vector<TxtRecord>> Resolver::query(std::string name, Txt, bool search) const {
    return detail::query_txt(channel_, std::move(name), search);
}
Task<std::vector<SrvRecord>> Resolver::query(std::string name, Srv, bool search) const {
    return detail::query_srv(channel_, std::move(name), search);
}
Task<std::vector<CnameRecord>> Resolver::query(std::string name, Cname, bool search) const {
    return detail::query_cname(channel_, std::move(name), search);
}
Task<std::vector<AddressRecord>> Resolver::query(std::string name, A, bool search) const {
    return detail::query_addresses(channel_, std::move(name), search, false);
}
Task<std::vector<AddressRecord>> Resolver::query(std::string name, Aaaa, bool search) const {
    return detail::query_addresses(channel_, std::move(name), search, true);
}

// ---- free functions -----------------------------------------------------------

Task<std::vector<MxRecord>> query(std::string name, Mx, QueryOptions o) {
    return detail::query_mx(detail::channel_for(o), std::move(name), o.search);
}
Task<std::vector<TxtRecord>> query(std::string name, Txt, QueryOptions o) {
    return detail::query_txt(detail::channel_for(o), std::move(name), o.search);
}
Task<std::vector<SrvRecord>> query(std::string name, Srv, QueryOptions o) {
    return detail::query_srv(detail::channel_for(o), std::move(name), o.search);
}
Task<std::vector<CnameRecord>> query(std::string name, Cname, QueryOptions o) {
    return detail::query_cname(detail::channel_for(o), std::move(name), o.search);
}
Task<std::vector<AddressRecord>> query(std::string name, A, QueryOptions o) {
    return detail::query_addresses(detail::channel_for(o), std::move(name), o.search, false);
}
Task<std::vector<AddressRecord>> query(std::string name, Aaaa, QueryOptions o) {
    return detail::query_addresses(detail::channel_for(o), std::move(name), o.search, true);
}

}  // namespace simul::dns
