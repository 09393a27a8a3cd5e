"""Where articles come from: seed folders and feeds. Each yields `RawItem`s."""
