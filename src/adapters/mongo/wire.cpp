#include "wire.hpp"

#include <cstring>
#include <optional>

namespace simul::mongo::wire {

namespace {

void put32(std::string& out, std::uint32_t v) {
    char b[4] = {char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char((v >> 24) & 0xff)};
    out.append(b, 4);
}
void patch32(std::string& out, std::size_t at, std::uint32_t v) {
    out[at] = char(v & 0xff);
    out[at + 1] = char((v >> 8) & 0xff);
    out[at + 2] = char((v >> 16) & 0xff);
    out[at + 3] = char((v >> 24) & 0xff);
}
std::uint32_t get32(const char* p) {
    auto u = reinterpret_cast<const unsigned char*>(p);
    return std::uint32_t(u[0]) | (std::uint32_t(u[1]) << 8) | (std::uint32_t(u[2]) << 16) | (std::uint32_t(u[3]) << 24);
}

}  // namespace

std::string encode_msg(std::int32_t request_id, const Document& body, const std::vector<Sequence>& sequences) {
    std::size_t size = kHeaderSize + 4 + 1 + body.bytes().size();
    for (const Sequence& s : sequences) {
        size += 1 + 4 + s.identifier.size() + 1;
        for (const Document& d : s.documents) size += d.bytes().size();
    }
    if (size > std::size_t(INT32_MAX))
        throw ProtocolError("simul::mongo: the request would be " + std::to_string(size) +
                            " bytes, more than the wire protocol's 2 GiB; send fewer documents at once");
    std::string out;
    out.reserve(size);
    put32(out, std::uint32_t(size));
    put32(out, std::uint32_t(request_id));
    put32(out, 0);
    put32(out, std::uint32_t(kOpMsg));
    put32(out, 0);  // flagBits
    out.push_back('\0');  // kind 0
    out.append(body.bytes());
    for (const Sequence& s : sequences) {
        out.push_back('\1');  // kind 1
        std::size_t at = out.size();
        put32(out, 0);
        out.append(s.identifier);
        out.push_back('\0');
        for (const Document& d : s.documents) out.append(d.bytes());
        patch32(out, at, std::uint32_t(out.size() - at));
    }
    return out;
}

Header decode_header(std::string_view b) {
    return Header{std::int32_t(get32(b.data())), std::int32_t(get32(b.data() + 4)), std::int32_t(get32(b.data() + 8)),
                  std::int32_t(get32(b.data() + 12))};
}

Document decode_msg_body(const Header& h, std::string_view rest) {
    if (rest.size() < 5) throw ProtocolError("simul::mongo: malformed reply: an OP_MSG too short to hold its flags and a section");
    std::uint32_t flags = get32(rest.data());
    if (flags & kMoreToCome)
        throw ProtocolError("simul::mongo: malformed reply: moreToCome is set, but this client never asks for exhaust replies");
    std::size_t end = rest.size();
    if (flags & kChecksumPresent) {
        if (end < 9) throw ProtocolError("simul::mongo: malformed reply: checksum flag set on a reply too short to hold one");
        end -= 4;  // the CRC-32C; TCP's own checksum already covers loopback and LAN paths
    }
    std::size_t pos = 4;
    std::optional<Document> body;
    while (pos < end) {
        char kind = rest[pos++];
        if (kind == 0) {
            if (end - pos < 5) throw ProtocolError("simul::mongo: malformed reply: a body section cut short");
            std::uint32_t len = get32(rest.data() + pos);
            if (len < 5 || len > end - pos)
                throw ProtocolError("simul::mongo: malformed reply: a BSON body claims " + std::to_string(len) +
                                    " bytes where " + std::to_string(end - pos) + " remain");
            if (body) throw ProtocolError("simul::mongo: malformed reply: two body sections");
            try {
                body = Document::from_bytes(reinterpret_cast<const std::uint8_t*>(rest.data() + pos), len);
            } catch (const TypeError& e) {
                throw ProtocolError(std::string("simul::mongo: malformed reply (request ") + std::to_string(h.response_to) +
                                    "): " + e.what());
            }
            pos += len;
        } else if (kind == 1) {
            // Servers do not answer with sequences today; skip one if it comes.
            if (end - pos < 4) throw ProtocolError("simul::mongo: malformed reply: a sequence section cut short");
            std::uint32_t len = get32(rest.data() + pos);
            if (len < 5 || len > end - pos) throw ProtocolError("simul::mongo: malformed reply: a sequence section's size is out of range");
            pos += len;
        } else {
            throw ProtocolError("simul::mongo: malformed reply: unknown section kind " + std::to_string(int(kind)));
        }
    }
    if (!body) throw ProtocolError("simul::mongo: malformed reply: an OP_MSG with no body section");
    return std::move(*body);
}

}  // namespace simul::mongo::wire
