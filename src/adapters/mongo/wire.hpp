// The OP_MSG frame (MongoDB wire protocol, opCode 2013), encoded and decoded.
//
//   header:  int32 messageLength, int32 requestID, int32 responseTo, int32 opCode
//   body:    uint32 flagBits, sections..., [uint32 CRC-32C if checksumPresent]
//   section: kind 0: one BSON document (the command or the reply)
//            kind 1: int32 size, cstring identifier, BSON documents...
// All integers little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simul/adapters/mongo/connection.hpp>

namespace simul::mongo::wire {

constexpr std::int32_t kOpMsg = 2013;
constexpr std::uint32_t kChecksumPresent = 1u << 0;
constexpr std::uint32_t kMoreToCome = 1u << 1;
constexpr std::size_t kHeaderSize = 16;

struct Header {
    std::int32_t length;
    std::int32_t request_id;
    std::int32_t response_to;
    std::int32_t op_code;
};

std::string encode_msg(std::int32_t request_id, const Document& body, const std::vector<Sequence>& sequences);
Header decode_header(std::string_view bytes);  // 16 bytes
// The kind-0 body of an OP_MSG whose header was `h` and whose remaining
// bytes (after the header) are `rest`. ProtocolError if anything is off.
Document decode_msg_body(const Header& h, std::string_view rest);

}  // namespace simul::mongo::wire
