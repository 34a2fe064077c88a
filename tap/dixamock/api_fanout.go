package dixamock

// fanoutStreams are the stream names of the endpoints served by
// addFanoutRoutes, as counted in [APIStats].
var fanoutStreams = []string{}

// addFanoutRoutes adds the per-conversation messages and the analytics
// endpoints of the Dixa API.
func (s *Server) addFanoutRoutes(initial *dataset) {}
