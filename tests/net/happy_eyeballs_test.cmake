# Happy Eyeballs by name needs the DNS test servers: the same fragment as dns_test.
include(${CMAKE_CURRENT_SOURCE_DIR}/net/dns.cmake)
