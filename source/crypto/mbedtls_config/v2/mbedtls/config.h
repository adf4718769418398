/* Stands in for mbedTLS 2.28's own include/mbedtls/config.h in the --mbedtls=source build:
 * premake5.lua puts this folder before mbedTLS's include folder, so mbedTLS's
 * `#include "mbedtls/config.h"` finds this file. No MBEDTLS_CONFIG_FILE define: a quoted string
 * in a define does not survive every generator's escaping. */
#include "../../tickwire_mbedtls2_config.h"
