# Helpers shared by every directory.

# cs_library(<area> SOURCES ... [DEPS ...])
# One static library per area under lib/ (and per daemon core), named
# cs_<area>; headers are included as "<area>/<file>.h" from lib/.
function(cs_library name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS" ${ARGN})
  add_library(cs_${name} STATIC ${L_SOURCES})
  target_include_directories(cs_${name} PUBLIC ${PROJECT_SOURCE_DIR}/lib
                                               ${PROJECT_SOURCE_DIR})
  target_link_libraries(cs_${name} PUBLIC ${L_DEPS})
  set_property(GLOBAL APPEND PROPERTY CS_LIBRARIES cs_${name})
endfunction()

# cs_program(<name> SOURCES ... DEPS ...): an installed executable.
function(cs_program name)
  cmake_parse_arguments(P "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${P_SOURCES})
  target_link_libraries(${name} PRIVATE ${P_DEPS})
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()
