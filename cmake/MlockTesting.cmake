include(GoogleTest)

# mlock_add_test(NAME <name> SRCS <files...> DEPS <targets...> [LABELS <labels...>])
# Builds a GoogleTest executable and registers its tests with CTest.
function(mlock_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_features(${ARG_NAME} PRIVATE cxx_std_17)
  mlock_set_warnings(${ARG_NAME})
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
