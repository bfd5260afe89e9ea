# DNS on c-ares (libc-ares-dev): simul::resolve() and open_connection() ask
# c-ares driven by the loop; dns::Resolver and dns::query() (net/dns.hpp).
# Without c-ares, resolve() uses getaddrinfo() on the thread pool and
# net/dns.hpp is not available.
find_path(CARES_INCLUDE_DIR ares.h)
find_library(CARES_LIBRARY NAMES cares)
if(CARES_INCLUDE_DIR AND CARES_LIBRARY)
  target_sources(simul PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/net/dns_channel.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/net/dns.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/net/dns_connect.cpp)
  target_include_directories(simul PRIVATE ${CARES_INCLUDE_DIR})
  target_link_libraries(simul PUBLIC ${CARES_LIBRARY})
  target_compile_definitions(simul PUBLIC SIMUL_HAVE_DNS=1)
  set(SIMUL_HAVE_DNS ON CACHE INTERNAL "simul: DNS on c-ares")
else()
  set(SIMUL_HAVE_DNS OFF CACHE INTERNAL "simul: DNS on c-ares")
  message(STATUS "simul: c-ares not found (apt-get install libc-ares-dev): DNS lookups use getaddrinfo on the thread pool, net/dns.hpp is off")
endif()
