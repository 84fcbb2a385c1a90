# CMake toolchain file: 64-bit Windows with Debian's MinGW-w64 cross
# compiler (gcc-mingw-w64-x86-64), the win32 thread model (no
# libwinpthread DLL). Used by build-deps.sh for SDL2, libuv,
# libjpeg-turbo, cJSON and wslay.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-win32)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-win32)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_AR x86_64-w64-mingw32-gcc-ar-win32)
set(CMAKE_RANLIB x86_64-w64-mingw32-gcc-ranlib-win32)
# Look for libraries and headers in the MinGW sysroot and the prefix
# (CMAKE_FIND_ROOT_PATH, given by build-deps.sh), never on the build host.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
