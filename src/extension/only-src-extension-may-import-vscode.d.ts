// Deliberately not a module (only comments, no declarations). tsconfig.base.json maps the module name 'vscode' to
// this file, so in every runtime except the extension host (src/extension/tsconfig.json) and the VS Code
// integration suite an import of 'vscode' fails with "File '.../only-src-extension-may-import-vscode.d.ts' is not a
// module." The engine, the shared code, the webviews, the unit and compat tests and the benchmarks run where no
// 'vscode' module exists. The extension host's config includes this file too; as a script with no declarations it
// adds nothing there.
