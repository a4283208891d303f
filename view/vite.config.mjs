// Builds the deal card into one self-contained file, dist/deal.html, that the Go server embeds
// (view/view.go, `all:dist`) and serves as the resource ui://lightfield/deal.
// Everything is inlined (vite-plugin-singlefile): no other file, no network request.
import { defineConfig } from "vite";
import { viteSingleFile } from "vite-plugin-singlefile";

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  publicDir: false,
  logLevel: "warn",
  plugins: [viteSingleFile({ removeViteModuleLoader: true })],
  build: {
    outDir: "dist",
    // dist/.gitignore lives there (it keeps the build out of git while the Go embed sees the directory).
    emptyOutDir: false,
    // The preload polyfill is a fetch() of module URLs; one inlined module needs none.
    modulePreload: false,
    reportCompressedSize: false,
    target: "es2022",
    rollupOptions: {
      input: "deal.html",
      // zod's sources carry comments that rollup cannot place ("contains an annotation that
      // Rollup cannot interpret"); they only cost the comment, so that one warning is not shown.
      onwarn(warning, warn) {
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("/node_modules/zod/")) return;
        warn(warning);
      },
    },
  },
});
