// Placeholder; replaced by the native-addon build script.
process.exit(0);
