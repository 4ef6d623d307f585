package cmd

// Each command reaches the view through the small interface it needs, so
// that what a command may show is visible in its type.

func (a *app) validateView() validateView { return a.view() }
func (a *app) fmtView() fmtView           { return a.view() }
func (a *app) planView() planView         { return a.view() }
func (a *app) applyView() applyView       { return a.view() }
func (a *app) migrateView() migrateView   { return a.view() }
func (a *app) verifyView() verifyView     { return a.view() }
func (a *app) outputView() outputView     { return a.view() }
func (a *app) costView() costView         { return a.view() }
func (a *app) stateView() stateView       { return a.view() }
