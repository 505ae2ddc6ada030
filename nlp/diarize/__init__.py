"""Who spoke when: split a recording's words among speakers (by channel or by voice) and name their roles."""
