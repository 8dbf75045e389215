#ifndef RFIDGATE_CLIBUSB_SHIM_H
#define RFIDGATE_CLIBUSB_SHIM_H
#include <libusb.h>

/* libusb_set_option is variadic, which Swift cannot call: one non-variadic wrapper per use. */
static inline int rfidgate_libusb_set_log_level(libusb_context *ctx, int level) {
    return libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
}
#endif
