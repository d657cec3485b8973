package webui

import (
	"net/http"
	"slices"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// PluginsPage is /pluginManager/: jeeves has no plugins; it says so and
// lists what it has built in of Jenkins and its plugins
// (configxml.BuiltIn, with what the farm's build contributors run).
func (ui *UI) PluginsPage(c *request.Call) error {
	claims := ui.farm.Claims()
	features := configxml.BuiltIn(func(class string) bool {
		_, found := slices.BinarySearch(claims, class)
		return found
	})
	var core, plugins []configxml.Feature
	for _, f := range features {
		if f.Plugin == "" {
			core = append(core, f)
		} else {
			plugins = append(plugins, f)
		}
	}
	return ui.render(c, http.StatusOK, "plugins", page{Title: "Plugins", Trail: []trail{{"Plugins", c.Root + "pluginManager/"}},
		API: c.Root + "pluginManager/api/", P: map[string]any{"Core": core, "Plugins": plugins}})
}
