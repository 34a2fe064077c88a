package dixamock

// referenceStreams are the stream names of the reference endpoints served
// by addReferenceRoutes, as counted in [APIStats].
var referenceStreams = []string{}

// addReferenceRoutes adds the reference endpoints of the Dixa API.
func (s *Server) addReferenceRoutes(d *apiData, pools *apiPools) {}
