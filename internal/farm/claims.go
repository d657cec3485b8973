package farm

// Claims is every config.xml class the farm's build contributors run
// (executor.Claimer); see executor.Executor.Claims.
func (f *Farm) Claims() []string { return f.exec.Claims() }
