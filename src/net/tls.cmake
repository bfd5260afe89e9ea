# TLS (simul::tls, src/net/tls_*.cpp) on OpenSSL 3 (Debian: libssl-dev).
# Without it the rest of simul builds, and tls_off.cpp makes every TLS call
# throw a tls::Error that says so.
find_package(OpenSSL 3 QUIET)
if(OpenSSL_FOUND)
  # Tests and examples link simul from other directories: make the imported
  # targets visible there too.
  set_target_properties(OpenSSL::SSL OpenSSL::Crypto PROPERTIES IMPORTED_GLOBAL TRUE)
  target_sources(simul PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/net/tls_context.cpp
                               ${CMAKE_CURRENT_SOURCE_DIR}/net/tls_transport.cpp)
  target_link_libraries(simul PUBLIC OpenSSL::SSL OpenSSL::Crypto)
  target_compile_definitions(simul PUBLIC SIMUL_HAVE_TLS=1)
else()
  target_sources(simul PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/net/tls_off.cpp)
  message(STATUS "simul: OpenSSL 3 not found (apt-get install libssl-dev): TLS is off")
endif()
