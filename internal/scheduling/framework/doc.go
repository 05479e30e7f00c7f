// Package framework is the plugin framework of Flotilla's scheduler.
//
// A scheduling cycle places one Application on member clusters in four steps, in the spirit of
// the Kubernetes and Karmada scheduling frameworks:
//
//  1. PreFilter: plugins that implement PreFilterPlugin read the Workload once (parse a
//     selector, build a name set) and keep what they computed in the CycleState.
//  2. Filter: every FilterPlugin says whether a Cluster can run the Workload, and why not.
//     The first plugin that rejects a cluster wins; its name is kept for the user.
//  3. Score: every ScorePlugin gives each cluster that passed a score in [MinScore, MaxScore];
//     a plugin that also implements ScoreNormalizer may rescale its scores over all clusters.
//     Scores are multiplied by the plugin's configured weight and summed.
//  4. Selection and replica division are not plugins: package scheduling does them.
//
// Plugins are built from a Registry (plugin name -> Factory) and a list of PluginConfig, so a
// plugin is enabled, weighted and given arguments by configuration, never by a global.
// Plugins are pure: no I/O, no clock, no randomness. A Framework is safe for concurrent use
// when its plugins are; every plugin in this repository is.
package framework
