"""clustersite region data: the embedded, cited US dataset and its loaders.

>>> import regions
>>> data = regions.load()          # embedded 50 states + DC
>>> data.zone_members("great-lakes")
('MN', 'WI', 'MI', 'IL', 'IN', 'OH')
"""

from .dataset import COUNTING_PRODUCT, RegionData
from .errors import DataValidationError
from .geodesy import haversine_km
from .loader import DATA_FILES, DEFAULT_DATA_DIR, load
from .schema import table_schema
from .zones import Zone

__all__ = [
    "COUNTING_PRODUCT",
    "DATA_FILES",
    "DEFAULT_DATA_DIR",
    "DataValidationError",
    "RegionData",
    "Zone",
    "haversine_km",
    "load",
    "table_schema",
]
