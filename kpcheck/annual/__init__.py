"""The KP annual report: ``template`` reads the ministry's texts, ``build`` gathers the figures
(from the register or from files), ``compute`` makes sections A-H, ``render`` lays them out."""
