//! Which clients may see a point: each client's view (its bbox with the hub's margin) filed under
//! the map cells it overlaps, so an event visits the clients near it instead of every client
//! (issue #11: with 10,000 clients, scanning them all for each event was a tenth of the core).
//!
//! A view that overlaps more than [`MAX_CELLS`] cells (a whole city, a world map) is kept in a short
//! list every event visits. The hub still checks each candidate exactly: the grid only narrows who
//! is checked, so it may return too many but never too few.

use std::collections::{HashMap, HashSet};

use super::hub::ClientId;

/// A cell's side in degrees: ~440 m at Ho Chi Minh City's latitude; a street-level view overlaps
/// a dozen cells, the whole district about a hundred.
pub const CELL_DEG: f64 = 0.004;
/// Views larger than this many cells are visited by every event instead.
pub const MAX_CELLS: i64 = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// Cell range, inclusive: x0, y0, x1, y1.
    Cells(i32, i32, i32, i32),
    Wide,
}

#[derive(Debug, Default)]
pub struct Grid {
    cells: HashMap<(i32, i32), HashSet<ClientId>>,
    wide: HashSet<ClientId>,
    placed: HashMap<ClientId, Placement>,
}

fn cell(v: f64) -> i32 {
    // saturates for values far outside any map (they are checked before reaching the hub)
    (v / CELL_DEG).floor() as i32
}

impl Grid {
    /// Files (or re-files) client `id` under the cells `view` overlaps.
    pub fn place(&mut self, id: ClientId, view: [f64; 4]) {
        self.remove(id);
        let (x0, y0, x1, y1) = (cell(view[0]), cell(view[1]), cell(view[2]), cell(view[3]));
        let count = (i64::from(x1) - i64::from(x0) + 1) * (i64::from(y1) - i64::from(y0) + 1);
        let placement = if x1 < x0 || y1 < y0 || count > MAX_CELLS {
            self.wide.insert(id);
            Placement::Wide
        } else {
            for x in x0..=x1 {
                for y in y0..=y1 {
                    self.cells.entry((x, y)).or_default().insert(id);
                }
            }
            Placement::Cells(x0, y0, x1, y1)
        };
        self.placed.insert(id, placement);
    }

    pub fn remove(&mut self, id: ClientId) {
        match self.placed.remove(&id) {
            Some(Placement::Wide) => {
                self.wide.remove(&id);
            }
            Some(Placement::Cells(x0, y0, x1, y1)) => {
                for x in x0..=x1 {
                    for y in y0..=y1 {
                        if let Some(set) = self.cells.get_mut(&(x, y)) {
                            set.remove(&id);
                            if set.is_empty() {
                                self.cells.remove(&(x, y));
                            }
                        }
                    }
                }
            }
            None => {}
        }
    }

    /// Adds the clients whose view may contain `p` to `out` (unsorted, perhaps repeated).
    pub fn near(&self, p: [f64; 2], out: &mut Vec<ClientId>) {
        if let Some(set) = self.cells.get(&(cell(p[0]), cell(p[1]))) {
            out.extend(set.iter().copied());
        }
        out.extend(self.wide.iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(g: &Grid, p: [f64; 2]) -> Vec<ClientId> {
        let mut v = Vec::new();
        g.near(p, &mut v);
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn a_point_finds_the_views_around_it_and_the_wide_ones() {
        let mut g = Grid::default();
        g.place(1, [106.690, 10.770, 106.700, 10.780]);
        g.place(2, [106.710, 10.790, 106.712, 10.792]);
        g.place(3, [-180.0, -90.0, 180.0, 90.0]);
        assert_eq!(near(&g, [106.695, 10.775]), vec![1, 3]);
        assert_eq!(near(&g, [106.711, 10.791]), vec![2, 3]);
        assert_eq!(near(&g, [0.0, 0.0]), vec![3]);
        // moving a view forgets where it was
        g.place(1, [106.710, 10.790, 106.711, 10.791]);
        assert_eq!(near(&g, [106.695, 10.775]), vec![3]);
        assert_eq!(near(&g, [106.7105, 10.7905]), vec![1, 2, 3]);
        g.remove(3);
        g.remove(2);
        assert_eq!(near(&g, [106.7105, 10.7905]), vec![1]);
        g.remove(1);
        assert!(g.cells.is_empty() && g.wide.is_empty() && g.placed.is_empty());
    }
}
