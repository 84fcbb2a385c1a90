/* The command line's tools for camera features (docs/control.md):
 *
 *   camcastd --config FILE --list-features CAMERA
 *       opens the camera as the daemon would and prints its features
 *       table (what can be changed live, to write a config from);
 *   camcastd --config FILE --save-config OUT
 *       asks the daemon running with FILE for the values operators set
 *       live (GET /api/cameras) and writes FILE's settings with them as a
 *       new config, OUT ("-": standard output).
 *
 * Each returns the process exit status and prints its errors.
 */
#ifndef CC_FEATURES_CLI_H
#define CC_FEATURES_CLI_H

#include "config/config.h"

int cc_list_features(const cc_config *cfg, const char *camera);
int cc_save_config(cc_config *cfg, const char *out_path);

#endif
