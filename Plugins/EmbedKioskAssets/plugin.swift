import Foundation
import PackagePlugin

/// Compiles the kiosk's pages (Sources/Kiosk/Assets) and its OpenAPI document into the Kiosk
/// module at build time: one binary serves everything the kiosk browser loads, with no
/// resource bundle to install beside it and no generated source kept in git.
@main
struct EmbedKioskAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let dir = module.directoryURL
        let assets = dir.appending(path: "Assets")
        let names = try FileManager.default.contentsOfDirectory(atPath: assets.path).filter { !$0.hasPrefix(".") }.sorted()
        let inputs = [dir.appending(path: "openapi.json")] + names.map { assets.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding the kiosk's pages and OpenAPI document",
                executable: try context.tool(named: "KioskAssetEmbedder").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
