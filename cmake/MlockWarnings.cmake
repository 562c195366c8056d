# mlock_set_warnings(<target>): our warning set, PRIVATE so it never leaks
# into consumers or into the Debian packages' headers.
function(mlock_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                                            -Wconversion -Wno-sign-conversion)
  if(MLOCK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
