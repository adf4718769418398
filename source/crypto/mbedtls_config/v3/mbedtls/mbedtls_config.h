/* Stands in for mbedTLS 3.6's own include/mbedtls/mbedtls_config.h in the --mbedtls=source build:
 * premake5.lua puts this folder before mbedTLS's include folder, so mbedTLS's
 * `#include "mbedtls/mbedtls_config.h"` (build_info.h) finds this file. No MBEDTLS_CONFIG_FILE
 * define: a quoted string in a define does not survive every generator's escaping. */
#include "../../tickwire_mbedtls3_config.h"
