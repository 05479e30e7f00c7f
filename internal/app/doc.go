// Package app holds the wiring of Flotilla's processes: flags become options, options become a
// controller-runtime manager with every capability's reconcilers attached. Nothing here decides
// anything; capabilities live in their own packages under internal/.
package app
