# DNS tests (dns_test.cpp; happy_eyeballs.cmake includes this file too): they
# need c-ares (src/net/dns.cmake) and the DNS servers of dns_fixture.py
# (dnsmasq, and python3-dnslib for the behaviours dnsmasq cannot give), which
# ctest starts once per run as the fixture "dns".
find_program(SIMUL_DNSMASQ dnsmasq PATHS /usr/sbin /sbin)
if(NOT SIMUL_HAVE_DNS)
  set(SIMUL_TEST_SKIP ON)
elseif(NOT SIMUL_DNSMASQ OR NOT EXISTS /usr/bin/python3)
  message(STATUS "simul: dnsmasq or /usr/bin/python3 missing (apt-get install dnsmasq-base python3-dnslib): DNS tests are off")
  set(SIMUL_TEST_SKIP ON)
else()
  if(NOT TEST dns_server_start)
    set(SIMUL_DNS_DIR ${CMAKE_CURRENT_BINARY_DIR}/dns-server)
    add_test(NAME dns_server_start
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net/dns_fixture.py start ${SIMUL_DNS_DIR})
    set_tests_properties(dns_server_start PROPERTIES FIXTURES_SETUP dns LABELS net)
    add_test(NAME dns_server_stop
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net/dns_fixture.py stop ${SIMUL_DNS_DIR})
    set_tests_properties(dns_server_stop PROPERTIES FIXTURES_CLEANUP dns LABELS net)
  endif()
  set(SIMUL_TEST_PROPERTIES FIXTURES_REQUIRED dns ENVIRONMENT SIMUL_DNS_DIR=${CMAKE_CURRENT_BINARY_DIR}/dns-server)
endif()
